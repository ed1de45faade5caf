"""Reading a repository object by object, and seeding the grader's own.

Trees are read object by object, never checked out, so nothing in a
submission (a symlink, a .gitattributes filter) acts on the host. A seeded
repository is built with plumbing in a throwaway index, so no working tree is
ever checked out either.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.errors import InfrastructureError, RepositoryError
from grader.git.command import config_args, first_error_line, git, run

MODE_FILE, MODE_EXEC, MODE_LINK, MODE_GITLINK = "100644", "100755", "120000", "160000"


@dataclass(frozen=True)
class TreeEntry:
    path: str
    mode: str
    sha: str
    size: int


def resolve_commit(repo: Path, ref: str) -> str:
    if not ref or ref.startswith("-") or any(c in ref for c in "\0\n\r "):
        raise RepositoryError(f"bad ref {ref!r}")
    try:
        out = git(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
            cwd=repo,
            timeout_s=30,
        )
    except RepositoryError as exc:
        raise RepositoryError(f"ref {ref!r} not found in the repository") from exc
    return out.decode().strip()


def head_commit(folder: Path) -> str | None:
    """The last commit that touched a challenge folder inside a git work tree, or None.

    For a challenge that is its own repository this is its HEAD; for one kept in
    a larger repository (a catalogue), the commit that last changed it.
    """
    try:
        out = git(["log", "-1", "--format=%H", "--", "."], cwd=folder, timeout_s=10)
    except (RepositoryError, InfrastructureError):
        return None
    return out.decode().strip() or None


def is_dirty(folder: Path) -> bool:
    return bool(git(["status", "--porcelain"], cwd=folder, timeout_s=30).strip())


def tree_of(repo: Path, commit: str) -> str:
    """The hash of a commit's root tree: equal for two commits whose files are the same."""
    return (
        git(["rev-parse", "--verify", f"{commit}^{{tree}}"], cwd=repo, timeout_s=30)
        .decode()
        .strip()
    )


def tree_entries(repo: Path, commit: str) -> list[TreeEntry]:
    out = git(["ls-tree", "-r", "-l", "-z", "--full-tree", commit], cwd=repo, timeout_s=60)
    entries = []
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, path = record.split(b"\t", 1)
        mode, _kind, sha, size = meta.decode().split()
        entries.append(
            TreeEntry(
                path.decode("utf-8", "surrogateescape"), mode, sha, 0 if size == "-" else int(size)
            )
        )
    return entries


def read_blobs(repo: Path, shas: Sequence[str], timeout_s: float = 120) -> Iterator[bytes]:
    """Contents of blobs, in order, from one ``git cat-file --batch`` process."""
    if not shas:
        return
    out = git(
        ["cat-file", "--batch"],
        cwd=repo,
        timeout_s=timeout_s,
        input_bytes=("\n".join(shas) + "\n").encode(),
    )
    offset = 0
    for _ in shas:
        header_end = out.index(b"\n", offset)
        _sha, _kind, size = out[offset:header_end].split()
        start = header_end + 1
        yield out[start : start + int(size)]
        offset = start + int(size) + 1


def seed_bare_repository(bare: Path, files: Path, extra: dict[str, bytes], message: str) -> str:
    """Create a bare repository whose one commit on ``main`` holds ``files`` plus ``extra``.

    Built with plumbing (hash-object, update-index, write-tree, commit-tree) in a
    throwaway index, so no working tree is ever checked out. Returns the commit.
    """
    git(["init", "--quiet", "--bare", "--initial-branch=main", str(bare)], timeout_s=30)
    index_env = {"GIT_INDEX_FILE": str(bare / "seed.index")}
    entries: list[str] = []
    contents = {
        p.relative_to(files).as_posix(): p.read_bytes()
        for p in sorted(files.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }
    contents.update(extra)
    for path, data in sorted(contents.items()):
        sha = git(["hash-object", "-w", "--stdin"], cwd=bare, input_bytes=data).decode().strip()
        entries.append(f"100644 {sha}\t{path}")
    _git_env(
        ["update-index", "--add", "--index-info"],
        bare,
        index_env,
        ("\n".join(entries) + "\n").encode(),
    )
    tree = _git_env(["write-tree"], bare, index_env).decode().strip()
    who = {
        "GIT_AUTHOR_NAME": "grader",
        "GIT_AUTHOR_EMAIL": "grader@localhost",
        "GIT_COMMITTER_NAME": "grader",
        "GIT_COMMITTER_EMAIL": "grader@localhost",
    }
    commit = _git_env(["commit-tree", tree, "-m", message], bare, who).decode().strip()
    git(["update-ref", "refs/heads/main", commit], cwd=bare)
    (bare / "seed.index").unlink(missing_ok=True)
    return commit


def _git_env(
    args: Sequence[str], cwd: Path, extra_env: dict[str, str], input_bytes: bytes | None = None
) -> bytes:
    command = ["git", *config_args(), *args]
    done = run(command, args[0], 60, cwd=cwd, input_bytes=input_bytes, extra_env=extra_env)
    if done.returncode != 0:
        raise InfrastructureError(f"git {args[0]} failed: {first_error_line(done.stderr)}")
    return done.stdout
