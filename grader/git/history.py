"""Reading a history, for grader/history: commits, their changes, and questions about them.

A whole range of commits is read with one `git log` (changes as --raw plus
--numstat, NUL-separated), so the cost is one process per question asked of
the history, never one per commit. Commit ids handed to git are full hex ids
only, and a commit message cannot forge the boundaries between records.
"""

from __future__ import annotations

import re
import secrets
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.git.command import git, require_full_ids

NULL_SHA = "0" * 40


@dataclass(frozen=True)
class LogChange:
    """One file changed by a commit, as `git log --raw --numstat` reports it."""

    status: str  # A, M, D, T, R or C (rename/copy scores dropped)
    path: str  # the path after the commit (before it, for D)
    old_path: str | None  # the source of a rename or copy
    old_mode: str
    new_mode: str
    old_sha: str
    new_sha: str
    added: int | None  # lines; None when git sees a binary file
    deleted: int | None


@dataclass(frozen=True)
class LogCommit:
    sha: str
    parents: tuple[str, ...]
    author_time: int  # seconds since the epoch
    commit_time: int
    message: str
    changes: tuple[LogChange, ...]


def log_commits(
    repo: Path,
    tip: str,
    exclude: Sequence[str] = (),
    *,
    first_parent: bool = False,
    timeout_s: float = 120,
) -> list[LogCommit]:
    """Commits reachable from ``tip`` and not from ``exclude``, parents before children.

    Merges carry no changes, unless ``first_parent``: then only the first-parent
    chain is walked, each merge shows its diff against its first parent, and
    changes carry no line counts (they cost git a diff of every file; the
    first-parent walk only needs to know which blobs changed).
    """
    require_full_ids(tip, *exclude)
    # A random marker per call: a commit message cannot forge record boundaries.
    marker = secrets.token_hex(12)
    start, end = f"\x1e{marker}<", f">{marker}\x1f"
    args = [
        "log",
        "-z",
        "--raw",
        "--no-abbrev",
        "--topo-order",
        "--reverse",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        f"--format={start}%H%x00%P%x00%at%x00%ct%x00%B{end}",
    ]
    if first_parent:
        args += ["--first-parent", "--diff-merges=first-parent", "--no-renames"]
    else:
        args += ["--diff-merges=off", "--find-renames", "--numstat"]
    out = git([*args, tip, *(f"^{sha}" for sha in exclude), "--"], cwd=repo, timeout_s=timeout_s)
    records = out.split(start.encode())[1:]
    return [_parse_log_record(record, end.encode()) for record in records]


def _parse_log_record(record: bytes, end: bytes) -> LogCommit:
    header, _, diff = record.partition(end)
    sha, parents, author_time, commit_time, message = header.split(b"\0", 4)
    return LogCommit(
        sha=sha.decode(),
        parents=tuple(parents.decode().split()),
        author_time=int(author_time),
        commit_time=int(commit_time),
        message=message.decode("utf-8", "replace"),
        changes=_parse_changes(diff),
    )


def _parse_changes(diff: bytes) -> tuple[LogChange, ...]:
    tokens = diff.split(b"\0")
    raw: list[tuple[list[str], str, str | None]] = []
    counts: dict[str, tuple[int | None, int | None]] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i].lstrip(b"\n")
        i += 1
        if token.startswith(b":"):  # ":old_mode new_mode old_sha new_sha STATUS" path [path]
            meta = token[1:].decode().split()
            first, i = _path(tokens[i]), i + 1
            if meta[4][0] in "RC":
                second, i = _path(tokens[i]), i + 1
                raw.append((meta, second, first))
            else:
                raw.append((meta, first, None))
        elif token:  # "added\tdeleted\tpath", or "added\tdeleted\t" + 2 paths
            added, deleted, path = token.split(b"\t", 2)
            if not path:
                path, i = tokens[i + 1], i + 2
            counts[_path(path)] = (_count(added), _count(deleted))
    return tuple(
        LogChange(
            status=meta[4][0],
            path=path,
            old_path=old_path,
            old_mode=meta[0],
            new_mode=meta[1],
            old_sha=meta[2],
            new_sha=meta[3],
            added=counts.get(path, (None, None))[0],
            deleted=counts.get(path, (None, None))[1],
        )
        for meta, path, old_path in raw
    )


def _path(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _count(raw: bytes) -> int | None:
    return None if raw == b"-" else int(raw)


def commit_time(repo: Path, sha: str) -> int:
    """The committer date of one commit, in seconds since the epoch."""
    require_full_ids(sha)
    return int(git(["log", "-1", "--format=%ct", sha, "--"], cwd=repo, timeout_s=30))


def object_sizes(repo: Path, shas: Sequence[str], timeout_s: float = 60) -> dict[str, int]:
    """Sizes of the blobs among ``shas`` (one `cat-file --batch-check`); others are left out."""
    if not shas:
        return {}
    out = git(
        ["cat-file", "--batch-check"],
        cwd=repo,
        timeout_s=timeout_s,
        input_bytes=("\n".join(shas) + "\n").encode(),
    )
    sizes = {}
    for line in out.decode().splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] == "blob":
            sizes[fields[0]] = int(fields[2])
    return sizes


def history_too_large(repo: Path, tip: str, max_commits: int, max_bytes: int) -> str | None:
    """Why the history behind ``tip`` is too large to analyse, or None.

    Reads commit IDs and object headers only: a commit message of gigabytes
    (it compresses to almost nothing, so the repository size cap lets it in)
    costs nothing here, while `git log` would load it all into memory.
    """
    shas = git(["rev-list", f"--max-count={max_commits + 1}", tip], cwd=repo, timeout_s=60)
    ids = shas.decode().split()
    if len(ids) > max_commits:
        return f"the history has more than {max_commits} commits"
    out = git(
        ["cat-file", "--batch-check"],
        cwd=repo,
        timeout_s=60,
        input_bytes=("\n".join(ids) + "\n").encode(),
    )
    sizes = [line.split() for line in out.decode().splitlines()]
    total = sum(int(fields[2]) for fields in sizes if len(fields) == 3)
    if total > max_bytes:
        return f"its commits (messages included) take {total >> 20} MB"
    return None


def ignored_paths(
    repo: Path, gitignore: bytes, paths: Sequence[str], timeout_s: float = 30
) -> set[str]:
    """The ``paths`` that a top-level .gitignore with the content ``gitignore`` ignores.

    git's own matcher decides, on a scratch work tree that holds only that file.
    """
    if not paths:
        return set()
    # check-ignore exits 1 when nothing matches, which git() reports as a failure;
    # a path that the scratch file always ignores keeps the exit status at 0.
    sentinel = f"grader-sentinel-{secrets.token_hex(8)}"
    with tempfile.TemporaryDirectory(prefix="grader-ignore-") as scratch:
        (Path(scratch) / ".gitignore").write_bytes(gitignore + f"\n/{sentinel}\n".encode())
        out = git(
            [
                "-c",
                "core.excludesFile=/dev/null",
                f"--git-dir={repo}",
                f"--work-tree={scratch}",
                "check-ignore",
                "--no-index",
                "-z",
                "--stdin",
            ],
            cwd=Path(scratch),
            timeout_s=timeout_s,
            input_bytes=b"\0".join(p.encode("utf-8", "surrogateescape") for p in (*paths, sentinel))
            + b"\0",
        )
    return {_path(p) for p in out.split(b"\0") if p} - {sentinel}


def is_ancestor(repo: Path, ancestor: str, descendant: str) -> bool:
    """Whether ``descendant``'s history contains ``ancestor`` (both full commit ids)."""
    require_full_ids(ancestor, descendant)
    # `merge-base --is-ancestor` answers with its exit status, which git() treats as failure.
    out = git(["rev-list", "-1", ancestor, f"^{descendant}", "--"], cwd=repo, timeout_s=60)
    return not out.strip()


PEOPLE_TRAILERS = ("Signed-off-by", "Co-authored-by", "Reviewed-by", "Acked-by", "Tested-by")


def commit_people(
    repo: Path, tip: str, exclude: Sequence[str] = (), limit: int = 500, timeout_s: float = 30
) -> set[str]:
    """The names and emails of the authors, committers and trailer people (Signed-off-by,
    Co-authored-by, ...) of the newest ``limit`` commits reachable from ``tip`` and not from
    ``exclude`` (the starter's commit, say): what a blind review masks wherever a page shows
    commit text."""
    require_full_ids(tip, *exclude)
    keys = ",".join(f"key={k}" for k in PEOPLE_TRAILERS)
    fields = f"%an%x00%ae%x00%cn%x00%ce%x00%(trailers:{keys},valueonly,separator=%x00)%x00"
    args = ["log", f"-n{limit}", "-z", f"--format={fields}", tip, *(f"^{sha}" for sha in exclude)]
    out = git([*args, "--"], cwd=repo, timeout_s=timeout_s)
    people: set[str] = set()
    for field in out.decode("utf-8", "replace").split("\0"):
        value = field.strip()
        name, _, email = value.partition("<")  # a trailer's "Name <email>"
        people.update(part.strip(" >") for part in (name, email) if part.strip(" >"))
    return people


_BLAME_HEADER = re.compile(rb"^([0-9a-f]{40}) \d+ \d+(?: \d+)?$")


def blame_lines(repo: Path, tip: str, path: str, timeout_s: float = 30) -> Counter[str]:
    """How many of the file's lines at ``tip`` each commit last wrote (``git blame``)."""
    require_full_ids(tip)
    # --porcelain: one header line per line of the file, starting with its commit's id;
    # the file's own lines follow a tab, so they never look like a header.
    out = git(["blame", "--porcelain", tip, "--", path], cwd=repo, timeout_s=timeout_s)
    counts: Counter[str] = Counter()
    for line in out.split(b"\n"):
        found = _BLAME_HEADER.match(line)
        if found:
            counts[found.group(1).decode()] += 1
    return counts
