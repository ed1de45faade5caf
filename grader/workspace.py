"""The working tree a sandbox receives: the submission's files as a tar, made safe.

Built from git objects in memory, so no candidate path is ever opened on the
host; symlinks travel as links and are never followed here. What would let a
submission configure the test runner is left out (and named in the report):
its own ``hidden/`` (replaced by the challenge's), conftest.py files, and
Python start-up hooks. Runner configuration files (pytest.ini, pyproject.toml,
setup.cfg, tox.ini) are kept, because the grader passes its own configuration
with ``-c`` and they are never read.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader import git
from grader.git import MODE_EXEC, MODE_LINK, TreeEntry
from grader.languages import support


@dataclass
class Workspace:
    tar: bytes
    files: int
    removed: list[str] = field(default_factory=list)


def _removal_reason(path: str, language: str) -> str | None:
    parts = PurePosixPath(path).parts
    if parts and parts[0] == "hidden":
        return "replaced by the challenge's hidden suite"
    name = parts[-1] if parts else ""
    language_support = support(language)
    if name in language_support.neutralised_names:
        return "runner configuration is not taken from submissions"
    if name.endswith(language_support.neutralised_suffixes):
        return "start-up hooks are not taken from submissions"
    if name == "node_modules" or "node_modules" in parts:
        return "dependencies come from the challenge, not the submission"
    return None


def build_workspace(repo_dir: Path, entries: Iterable[TreeEntry], language: str) -> Workspace:
    kept: list[TreeEntry] = []
    removed: list[str] = []
    for entry in entries:
        reason = _removal_reason(entry.path, language)
        if reason:
            removed.append(f"{entry.path}: {reason}")
        else:
            kept.append(entry)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        blobs = git.read_blobs(repo_dir, [e.sha for e in kept])
        for entry, data in zip(kept, blobs, strict=True):
            archive.addfile(*_member(entry, data))
    return Workspace(tar=buffer.getvalue(), files=len(kept), removed=removed)


def _member(entry: TreeEntry, data: bytes) -> tuple[tarfile.TarInfo, io.BytesIO | None]:
    info = tarfile.TarInfo(entry.path)
    info.mtime = 0
    info.uid = info.gid = 10001
    if entry.mode == MODE_LINK:
        info.type = tarfile.SYMTYPE
        info.linkname = data.decode("utf-8", "surrogateescape")
        info.mode = 0o777
        return info, None
    info.size = len(data)
    info.mode = 0o755 if entry.mode == MODE_EXEC else 0o644
    return info, io.BytesIO(data)


def folder_entries_tar(folder: Path, language: str) -> Workspace:
    """A workspace from a plain folder (a challenge's solution/ or starter/), for validation.

    The folder is the author's, not a candidate's; symlinks are still stored as links.
    """
    buffer = io.BytesIO()
    files = 0
    removed: list[str] = []
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder).as_posix()
            if "__pycache__" in path.parts or (path.is_dir() and not path.is_symlink()):
                continue
            reason = _removal_reason(relative, language)
            if reason:
                removed.append(f"{relative}: {reason}")
                continue
            info = archive.gettarinfo(str(path), arcname=relative)
            info.uid = info.gid = 10001
            info.uname = info.gname = ""
            if info.isreg():
                with path.open("rb") as handle:
                    archive.addfile(info, handle)
            else:
                archive.addfile(info)
            files += 1
    return Workspace(tar=buffer.getvalue(), files=files, removed=removed)
