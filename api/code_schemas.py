"""Output shapes of the code API (api/routes/code.py): files, a file, a diff, attempts, rewrites.

Every name and line is the candidate's, made visible (api.code.visible): a JSON
reader gets the same text the pages show, never a control character.
"""

from __future__ import annotations

from pydantic import BaseModel

from grader.timestamps import Timestamp


class TreeFileOut(BaseModel):
    path: str
    size: int
    kind: str  # file, symlink, submodule, large


class TreeOut(BaseModel):
    available: bool
    why: str | None  # why the code cannot be read here
    commit: str | None
    starter: str | None  # the commit the candidate's work starts after
    files: list[TreeFileOut]
    left_out: int  # files past the listing's bound


class FileOut(BaseModel):
    path: str
    size: int
    kind: str  # text, binary, large, symlink, submodule
    text: str | None  # text files within the bound only
    target: str | None  # a symlink's target, never followed


class DiffFileOut(BaseModel):
    status: str
    path: str
    old_path: str | None
    kind: str
    old_size: int
    new_size: int
    lines: list[str]
    cut: bool


class DiffOut(BaseModel):
    old: str | None
    new: str
    files: list[DiffFileOut]
    left_out: int
    budget_spent: bool


class AttemptOut(BaseModel):
    number: int
    id: str
    status: str
    overall: float | None
    commit: str | None
    created_at: Timestamp
    current: bool


class ReplacedCommitOut(BaseModel):
    sha: str
    subject: str | None  # None once the commit's object is gone


class RewriteOut(BaseModel):
    ref: str
    old: str
    new: str
    received_at: Timestamp
    replaced: list[ReplacedCommitOut]
    unreadable: str | None
