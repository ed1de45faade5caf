"""The one module that runs git, with settings that make untrusted repositories safe.

Every git process gets: no prompts, no system or global config, no hooks,
protocols denied unless allowed by the caller, no submodules, no LFS smudge,
object checks on transfer, a wall-clock timeout, and (for clones) a size cap
enforced from outside the git process. Trees are read object by object, never
checked out, so nothing in a submission (a symlink, a .gitattributes filter)
acts on the host. git's errors become RepositoryError or InfrastructureError.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO as _IO

from grader.errors import GraderError, InfrastructureError, RepositoryError

SAFE_CONFIG = (
    "protocol.allow=never",
    "core.hooksPath=/dev/null",
    "core.fsmonitor=false",
    "submodule.recurse=false",
    "fetch.recurseSubmodules=false",
    "filter.lfs.smudge=",
    "filter.lfs.process=",
    "filter.lfs.required=false",
    "transfer.fsckObjects=true",
    "credential.helper=",
    "safe.directory=*",
)
MODE_FILE, MODE_EXEC, MODE_LINK, MODE_GITLINK = "100644", "100755", "120000", "160000"


@dataclass(frozen=True)
class TreeEntry:
    path: str
    mode: str
    sha: str
    size: int


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        {
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_PROTOCOL_FROM_USER": "0",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_LFS_SKIP_SMUDGE": "1",
            "GIT_ASKPASS": "/bin/false",
            "SSH_ASKPASS": "/bin/false",
            "LC_ALL": "C",
        }
    )
    return env


def _config_args(protocols: Sequence[str] = ()) -> list[str]:
    args: list[str] = []
    for item in (*SAFE_CONFIG, *(f"protocol.{p}.allow=always" for p in protocols)):
        args += ["-c", item]
    return args


def git(
    args: Sequence[str],
    cwd: Path | None = None,
    timeout_s: float = 60,
    input_bytes: bytes | None = None,
    protocols: Sequence[str] = (),
) -> bytes:
    """Run one git command; returns stdout. Raises RepositoryError on git's refusal."""
    command = ["git", *_config_args(protocols), *args]
    done = _run(command, args[0], timeout_s, cwd=cwd, input_bytes=input_bytes)
    if done.returncode != 0:
        raise RepositoryError(_first_error_line(done.stderr) or f"git {args[0]} failed")
    return done.stdout


def _run(
    command: list[str],
    what: str,
    timeout_s: float,
    *,
    cwd: Path | None = None,
    input_bytes: bytes | None = None,
    stdin: _IO[bytes] | None = None,
    extra_env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run one git process with the safe environment; a timeout or a missing git becomes an
    InfrastructureError. What its exit status means is the caller's to decide."""
    try:
        return subprocess.run(
            command,
            cwd=cwd,
            env={**_env(), **(extra_env or {})},
            input=input_bytes,
            stdin=stdin if stdin is not None or input_bytes is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise InfrastructureError(f"git {what} timed out after {timeout_s:.0f}s") from exc
    except OSError as exc:
        raise InfrastructureError(f"cannot run git: {exc}") from exc


def _first_error_line(stderr: bytes) -> str:
    for line in stderr.decode(errors="replace").splitlines():
        line = line.strip()
        if line.startswith(("fatal:", "error:")):
            return line.split(":", 1)[1].strip()
    return stderr.decode(errors="replace").strip()[:300]


def _folder_bytes(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total


def clone_bare(
    url: str, dest: Path, protocols: Sequence[str], timeout_s: float, max_bytes: int
) -> None:
    """Bare, submodule-free clone of ``url`` into ``dest``, bounded in time and size."""
    command = [
        "git",
        *_config_args(protocols),
        "clone",
        "--bare",
        "--no-local",
        "--quiet",
        "--no-recurse-submodules",
        "--",
        url,
        str(dest),
    ]
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        env=_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    failure: GraderError | None = None
    while process.poll() is None:
        if time.monotonic() - started > timeout_s:
            # A slow network or host is nobody's verdict on the candidate: tried again later.
            failure = InfrastructureError(f"cloning took longer than {timeout_s:.0f}s")
        elif dest.exists() and _folder_bytes(dest) > max_bytes:
            failure = RepositoryError(f"repository is larger than {max_bytes >> 20} MB")
        if failure:
            process.kill()
            process.wait()
            raise failure
        # Returns as soon as git exits: no fixed sleep on the hot path.
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.05)
    stderr = process.stderr.read() if process.stderr else b""
    if process.returncode != 0:
        raise clone_failure(stderr)
    # A clone that finished between two polls was never measured.
    if _folder_bytes(dest) > max_bytes:
        raise RepositoryError(f"repository is larger than {max_bytes >> 20} MB")


# Whose fault a failed clone is, from git's message: the first pattern that matches decides.
# What the candidate got wrong (no such repository, no access, not a repository) is bad
# input, never retried; what went wrong on the way (DNS, connections, TLS, a server's 5xx,
# a cut transfer) is ours, retried by the queue. A message we do not know is taken to be
# ours too: a retry costs a little, a wrong verdict costs the candidate their grading.
CLONE_FAILURES: tuple[tuple[re.Pattern[str], type[GraderError]], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), kind)
    for pattern, kind in (
        (r"returned error: 5\d\d|\b50[0-4]\b.*(gateway|unavailable)", InfrastructureError),
        (
            r"could not resolve host|connection (refused|reset|timed out)|failed to connect"
            r"|network is unreachable|operation timed out|timed out after",
            InfrastructureError,
        ),
        (
            r"returned error: 40[134]|not found|does not exist|does not appear to be a git"
            r"|not a git repository|authentication failed|could not read username"
            r"|terminal prompts disabled|permission denied|access denied"
            r"|transport '.*' not allowed|unsupported protocol",
            RepositoryError,
        ),
        (
            r"early eof|remote end hung up|rpc failed|transfer closed|gnutls_|\bssl\b"
            r"|\btls\b|certificate|unexpected disconnect|index-pack failed",
            InfrastructureError,
        ),
    )
)


def clone_failure(stderr: bytes) -> GraderError:
    """The error a failed clone becomes, by whose fault its message says it is."""
    message = _first_error_line(stderr) or "git clone failed"
    text = stderr.decode(errors="replace")
    for pattern, kind in CLONE_FAILURES:
        if pattern.search(text):
            return kind(message)
    return InfrastructureError(f"git clone failed: {message}")


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


def checkout_clone(url: str, dest: Path, protocols: Sequence[str], timeout_s: float) -> str:
    """A working-tree clone, for challenges (authored content); returns the HEAD commit."""
    git(
        ["clone", "--quiet", "--no-recurse-submodules", "--", url, str(dest)],
        protocols=protocols,
        timeout_s=timeout_s,
    )
    return git(["rev-parse", "HEAD"], cwd=dest).decode().strip()


# ---------------------------------------------------------------------------
# History reading, for grader/history.py.
#
# A whole range of commits is read with one `git log` (changes as --raw plus
# --numstat, NUL-separated), so the cost is one process per question asked of
# the history, never one per commit.
# ---------------------------------------------------------------------------

import secrets as _secrets  # noqa: E402  (kept inside the section it serves)
import tempfile as _tempfile  # noqa: E402

NULL_SHA = "0" * 40
_HEX = frozenset("0123456789abcdef")


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
    _require_full_ids(tip, *exclude)
    # A random marker per call: a commit message cannot forge record boundaries.
    marker = _secrets.token_hex(12)
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


def _require_full_ids(*shas: str) -> None:
    # Full hex ids only: nothing a caller passes can be read as an option or a range.
    for sha in shas:
        if len(sha) != 40 or not set(sha) <= _HEX:
            raise RepositoryError(f"expected a full commit id, got {sha!r}")


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
    _require_full_ids(sha)
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
    sentinel = f"grader-sentinel-{_secrets.token_hex(8)}"
    with _tempfile.TemporaryDirectory(prefix="grader-ignore-") as scratch:
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
    _require_full_ids(ancestor, descendant)
    # `merge-base --is-ancestor` answers with its exit status, which git() treats as failure.
    out = git(["rev-list", "-1", ancestor, f"^{descendant}", "--"], cwd=repo, timeout_s=60)
    return not out.strip()


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
    command = ["git", *_config_args(), *args]
    done = _run(command, args[0], 60, cwd=cwd, input_bytes=input_bytes, extra_env=extra_env)
    if done.returncode != 0:
        raise InfrastructureError(f"git {args[0]} failed: {_first_error_line(done.stderr)}")
    return done.stdout


# ---------------------------------------------------------------------------
# Serving hosted repositories over smart HTTP, for grader/hosting.py.
#
# upload-pack and receive-pack run with --stateless-rpc, one process per HTTP
# request, under the same SAFE_CONFIG as every other git process: hooks stay
# off (core.hooksPath=/dev/null), so a push never runs anything on the host,
# and every received object is checked (transfer.fsckObjects).
# ---------------------------------------------------------------------------

import threading as _threading  # noqa: E402  (kept inside the section it serves)

SERVICES = ("upload-pack", "receive-pack")
_CHUNK = 64 * 1024


def _service_command(repo: Path, service: str, config: Sequence[str], *flags: str) -> list[str]:
    # The service name is checked here: it becomes a git subcommand.
    if service not in SERVICES:
        raise RepositoryError(f"unknown git service {service!r}")
    extra = [arg for item in config for arg in ("-c", item)]
    return ["git", *_config_args(), *extra, service, "--stateless-rpc", *flags, str(repo)]


def advertise_refs(repo: Path, service: str, timeout_s: float = 30) -> bytes:
    """The ref advertisement that answers ``info/refs?service=git-<service>``."""
    command = _service_command(repo, service, (), "--advertise-refs")
    return _run_service(command, None, timeout_s, service)


def run_service(
    repo: Path, service: str, stdin: _IO[bytes], timeout_s: float, config: Sequence[str] = ()
) -> bytes:
    """One stateless-rpc exchange whose answer is small (receive-pack's report)."""
    _sync_offset(stdin)
    return _run_service(_service_command(repo, service, config), stdin, timeout_s, service)


def _sync_offset(stdin: _IO[bytes]) -> None:
    """Move the descriptor to where the Python file object stands.

    A buffered file may seek inside its buffer without moving the descriptor,
    and the child process reads the descriptor.
    """
    stdin.flush()
    os.lseek(stdin.fileno(), stdin.tell(), os.SEEK_SET)


def _run_service(
    command: list[str], stdin: _IO[bytes] | None, timeout_s: float, service: str
) -> bytes:
    done = _run(command, service, timeout_s, stdin=stdin)
    # A refused push still exits 0 or 1 with its reasons in the report on stdout;
    # only a failure that left nothing to tell the client is an error here.
    if done.returncode != 0 and not done.stdout:
        raise RepositoryError(_first_error_line(done.stderr) or f"git {service} failed")
    return done.stdout


def stream_service(
    repo: Path, service: str, stdin: _IO[bytes], timeout_s: float
) -> Iterator[bytes]:
    """One stateless-rpc exchange whose answer may be large (upload-pack's pack), streamed.

    The process is killed at ``timeout_s`` (a client that stops reading cannot
    hold it forever) and whenever the consumer stops early.
    """
    _sync_offset(stdin)
    process = subprocess.Popen(
        _service_command(repo, service, ()),
        env=_env(),
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    timer = _threading.Timer(timeout_s, process.kill)
    timer.start()
    try:
        assert process.stdout is not None
        # os.read returns what is there: the client gets the pack as git writes it.
        while chunk := os.read(process.stdout.fileno(), _CHUNK):
            yield chunk
    finally:
        timer.cancel()
        if process.poll() is None:
            process.kill()
        process.wait()


def list_refs(repo: Path) -> dict[str, str]:
    """Every ref of a repository and the object it points to."""
    out = git(["for-each-ref", "--format=%(objectname) %(refname)"], cwd=repo, timeout_s=30)
    refs = {}
    for line in out.decode("utf-8", "surrogateescape").splitlines():
        sha, _, name = line.partition(" ")
        refs[name] = sha
    return refs


def introduced_commits(repo: Path, new: str, before: Sequence[str]) -> list[str]:
    """Commits reachable from ``new`` and from none of ``before`` (the refs before a push)."""
    _require_full_ids(new, *before)
    out = git(["rev-list", new, "--not", *before, "--"], cwd=repo, timeout_s=60)
    return out.decode().split()


def repository_bytes(repo: Path) -> int:
    """What a repository takes on disk."""
    return _folder_bytes(repo)
