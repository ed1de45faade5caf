"""Cloning repositories: a candidate's, bounded and bare; a challenge's, with a work tree.

A candidate's clone is bare and submodule-free, and bounded in time and in
size, the size enforced from outside the git process. A failed clone is
classified by whose fault git's message says it is: what the candidate got
wrong is a RepositoryError (never retried), what went wrong on the way is an
InfrastructureError (retried by the queue).
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from grader.errors import GraderError, InfrastructureError, RepositoryError
from grader.git.command import (
    config_args,
    config_env,
    first_error_line,
    folder_bytes,
    git,
    safe_env,
)


def clone_bare(
    url: str,
    dest: Path,
    protocols: Sequence[str],
    timeout_s: float,
    max_bytes: int,
    secret_config: Mapping[str, str] | None = None,
) -> None:
    """Bare, submodule-free clone of ``url`` into ``dest``, bounded in time and size.

    ``secret_config`` (a worker's credential) goes to git through its environment, never
    its command line, which any user of the host may list."""
    command = [
        "git",
        *config_args(protocols),
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
        env={**safe_env(), **config_env(secret_config or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    failure: GraderError | None = None
    while process.poll() is None:
        if time.monotonic() - started > timeout_s:
            # A slow network or host is nobody's verdict on the candidate: tried again later.
            failure = InfrastructureError(f"cloning took longer than {timeout_s:.0f}s")
        elif dest.exists() and folder_bytes(dest) > max_bytes:
            failure = RepositoryError(f"repository is larger than {max_bytes >> 20} MB")
        if failure:
            process.kill()
            process.wait()
            raise failure
        _wait_for_exit(process, 0.05)
    stderr = process.stderr.read() if process.stderr else b""
    if process.returncode != 0:
        raise clone_failure(stderr)
    # A clone that finished between two polls was never measured.
    if folder_bytes(dest) > max_bytes:
        raise RepositoryError(f"repository is larger than {max_bytes >> 20} MB")


def _wait_for_exit(process: subprocess.Popen[bytes], timeout_s: float) -> None:
    """Until the process exits or ``timeout_s`` passes, woken the moment it exits.

    ``Popen.wait(timeout)`` polls with growing sleeps, which wakes up to several
    milliseconds after git is done; a pidfd becomes readable at the exit itself."""
    try:
        pidfd = os.pidfd_open(process.pid)
    except (AttributeError, OSError):  # an old kernel, or the process is already reaped
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout_s)
        return
    try:
        select.select([pidfd], [], [], timeout_s)
    finally:
        os.close(pidfd)
    process.poll()


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
    message = first_error_line(stderr) or "git clone failed"
    text = stderr.decode(errors="replace")
    for pattern, kind in CLONE_FAILURES:
        if pattern.search(text):
            return kind(message)
    return InfrastructureError(f"git clone failed: {message}")


def checkout_clone(url: str, dest: Path, protocols: Sequence[str], timeout_s: float) -> str:
    """A working-tree clone, for challenges (authored content); returns the HEAD commit."""
    git(
        ["clone", "--quiet", "--no-recurse-submodules", "--", url, str(dest)],
        protocols=protocols,
        timeout_s=timeout_s,
    )
    return git(["rev-parse", "HEAD"], cwd=dest).decode().strip()
