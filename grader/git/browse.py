"""Reading a candidate's code for a reviewer: a commit's files, one file, a diff, lost commits.

Everything is bounded before it is read: a tree listing stops at MAX_ENTRIES,
a blob's size is asked (``cat-file --batch-check``) before its content, a file
over its byte bound or with a NUL byte is summarised ("binary", its size) and
never read whole, a diff reads only blobs within the bounds and stops at a
byte budget and a line budget for the whole page. A symlink is a blob whose content is its
target: shown as text, never followed (nothing is checked out). Commit ids are
full hex ids only; paths are matched against the tree's own list, never handed
to git or to the file system.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from grader.git.command import git, require_full_ids
from grader.git.history import NULL_SHA, object_sizes
from grader.git.repository import MODE_GITLINK, MODE_LINK, TreeEntry, read_blobs, tree_entries

MAX_ENTRIES = 2000  # files listed from one tree
MAX_FILE_BYTES = 256 * 1024  # a file shown (or diffed) whole up to this size
MAX_PAGE_BYTES = 2 * 1024 * 1024  # blob bytes read for one diff page
MAX_DIFF_FILES = 300  # changed files listed in one diff
MAX_DIFF_LINES = 3000  # lines of one file's diff
MAX_PAGE_LINES = 20000  # lines of all the files' diffs on one page
MAX_LOST = 200  # replaced commits listed after a force-push
BINARY_SNIFF = 8000  # git's own heuristic: a NUL byte in the first 8000 bytes
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


class Kind(StrEnum):
    """What a tree entry is, and so how it is shown."""

    TEXT = "text"
    BINARY = "binary"
    LARGE = "large"  # over MAX_FILE_BYTES: summarised
    LINK = "symlink"  # shown as its target, never followed
    SUBMODULE = "submodule"


@dataclass(frozen=True)
class File:
    path: str
    mode: str
    size: int
    kind: Kind
    text: str | None = None  # TEXT: the content; LINK: the target; else None


@dataclass(frozen=True)
class Tree:
    commit: str
    entries: list[TreeEntry]
    truncated: int  # entries left out past MAX_ENTRIES


@dataclass
class FileDiff:
    status: str  # A, M, D, T, R
    path: str
    old_path: str | None
    kind: Kind
    old_size: int
    new_size: int
    lines: list[str] = field(default_factory=list)  # unified diff lines, no headers
    cut: bool = False  # lines past MAX_DIFF_LINES or the page budget left out


@dataclass
class Diff:
    old: str | None
    new: str
    files: list[FileDiff]
    truncated: int = 0  # changed files left out past MAX_DIFF_FILES
    budget_spent: bool = False  # the page's byte or line budget ran out: later files cut


@dataclass(frozen=True)
class Lost:
    sha: str
    subject: str | None  # None when the commit's object is no longer in the repository


def has_commit(repo: Path, sha: str) -> bool:
    require_full_ids(sha)
    out = git(["cat-file", "--batch-check"], cwd=repo, input_bytes=f"{sha}\n".encode())
    return out.split()[1:2] == [b"commit"]


def list_tree(repo: Path, commit: str) -> Tree:
    require_full_ids(commit)
    entries = tree_entries(repo, commit)
    return Tree(commit, entries[:MAX_ENTRIES], max(0, len(entries) - MAX_ENTRIES))


def read_file(repo: Path, commit: str, path: str) -> File | None:
    """One file of ``commit``, exactly as named in its tree; None if there is no such file."""
    require_full_ids(commit)
    entry = next((e for e in tree_entries(repo, commit) if e.path == path), None)
    if entry is None:
        return None
    if entry.mode == MODE_GITLINK:
        return File(entry.path, entry.mode, 0, Kind.SUBMODULE)
    if entry.size > MAX_FILE_BYTES:
        return File(entry.path, entry.mode, entry.size, Kind.LARGE)
    data = next(read_blobs(repo, [entry.sha]))
    kind = _kind(entry.mode, data)
    return File(
        entry.path, entry.mode, entry.size, kind, None if kind == Kind.BINARY else _text(data)
    )


def diff(repo: Path, old: str | None, new: str) -> Diff:
    """What changed from ``old`` (None: nothing) to ``new``, every file bounded."""
    require_full_ids(new, *([old] if old else []))
    raw = git(
        ["diff-tree", "-r", "-z", "--no-abbrev", "-M", "--no-commit-id", old or EMPTY_TREE, new],
        cwd=repo,
        timeout_s=60,
    )
    changes = _raw_changes(raw)
    shown = changes[:MAX_DIFF_FILES]
    shas = [s for c in shown for s in (c[1], c[2]) if s != NULL_SHA]
    sizes = object_sizes(repo, shas)
    result = Diff(old, new, [], truncated=max(0, len(changes) - MAX_DIFF_FILES))
    budget, lines_left = MAX_PAGE_BYTES, MAX_PAGE_LINES
    for modes, old_sha, new_sha, status, path, old_path in shown:
        item = FileDiff(
            status, path, old_path, Kind.TEXT, sizes.get(old_sha, 0), sizes.get(new_sha, 0)
        )
        result.files.append(item)
        if MODE_GITLINK in modes:
            item.kind = Kind.SUBMODULE
            continue
        if max(item.old_size, item.new_size) > MAX_FILE_BYTES:
            item.kind = Kind.LARGE
            continue
        if item.old_size + item.new_size > budget:
            item.kind, item.cut, result.budget_spent = Kind.LARGE, True, True
            continue
        budget -= item.old_size + item.new_size
        before, after = _pair(repo, old_sha, new_sha)
        if b"\0" in before[:BINARY_SNIFF] or b"\0" in after[:BINARY_SNIFF]:
            item.kind = Kind.BINARY
            continue
        item.kind = Kind.LINK if MODE_LINK in modes else Kind.TEXT
        item.lines, item.cut = _unified(_text(before), _text(after), lines_left)
        lines_left -= len(item.lines)
        result.budget_spent = result.budget_spent or (item.cut and lines_left <= 0)
    return result


def lost_commits(repo: Path, old: str, new: str) -> list[Lost]:
    """Commits reachable from ``old`` but not from ``new`` (what a force-push replaced).

    Newest first, at most MAX_LOST. When ``old`` is no longer in the repository
    (its objects were pruned) it alone is listed, without a subject.
    """
    require_full_ids(old, new)
    if not has_commit(repo, old):
        return [Lost(old, None)]
    exclude = [f"^{new}"] if has_commit(repo, new) else []
    out = git(
        ["log", "-z", f"--max-count={MAX_LOST}", "--format=%H%x00%s", old, *exclude, "--"],
        cwd=repo,
        timeout_s=60,
    )
    fields = out.split(b"\0")
    return [
        Lost(fields[i].decode().strip(), fields[i + 1].decode("utf-8", "replace")[:300])
        for i in range(0, len(fields) - 1, 2)
    ]


def first_parent(repo: Path, commit: str) -> str | None:
    require_full_ids(commit)
    out = git(["rev-list", "--parents", "-n", "1", commit, "--"], cwd=repo, timeout_s=30)
    shas = out.decode().split()
    return shas[1] if len(shas) > 1 else None


def subjects(repo: Path, shas: Sequence[str]) -> dict[str, str]:
    """The subject of each commit among ``shas`` still in the repository."""
    require_full_ids(*shas)
    present = [s for s in shas if has_commit(repo, s)]
    if not present:
        return {}
    out = git(
        ["log", "-z", "--no-walk=unsorted", "--format=%H%x00%s", *present, "--"],
        cwd=repo,
        timeout_s=60,
    )
    fields = out.split(b"\0")
    return {
        fields[i].decode().strip(): fields[i + 1].decode("utf-8", "replace")[:300]
        for i in range(0, len(fields) - 1, 2)
    }


# -- helpers ------------------------------------------------------------------------------------
def _kind(mode: str, data: bytes) -> Kind:
    if mode == MODE_LINK:
        return Kind.LINK
    return Kind.BINARY if b"\0" in data[:BINARY_SNIFF] else Kind.TEXT


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _pair(repo: Path, old_sha: str, new_sha: str) -> tuple[bytes, bytes]:
    wanted = [s for s in (old_sha, new_sha) if s != NULL_SHA]
    blobs = dict(zip(wanted, read_blobs(repo, wanted), strict=True))
    return blobs.get(old_sha, b""), blobs.get(new_sha, b"")


def _unified(before: str, after: str, lines_left: int) -> tuple[list[str], bool]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), n=3, lineterm="")
    lines = list(diff)[2:]  # without the ---/+++ headers: the page names the files itself
    keep = max(0, min(MAX_DIFF_LINES, lines_left))
    return lines[:keep], len(lines) > keep


RawChange = tuple[tuple[str, str], str, str, str, str, str | None]


def _raw_changes(raw: bytes) -> list[RawChange]:
    """``diff-tree -r -z`` records: (modes, old sha, new sha, status, path, old path)."""
    tokens = raw.split(b"\0")
    out: list[RawChange] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if not token.startswith(b":"):
            continue
        old_mode, new_mode, old_sha, new_sha, status = token[1:].decode().split()
        first = tokens[i].decode("utf-8", "surrogateescape")
        i += 1
        if status[0] in "RC":
            second = tokens[i].decode("utf-8", "surrogateescape")
            i += 1
            out.append(((old_mode, new_mode), old_sha, new_sha, status[0], second, first))
        else:
            out.append(((old_mode, new_mode), old_sha, new_sha, status[0], first, None))
    return out
