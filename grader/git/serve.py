"""Serving hosted repositories over git's smart HTTP protocol, for grader/hosting.

upload-pack and receive-pack run with --stateless-rpc, one process per HTTP
request, under the same SAFE_CONFIG as every other git process: hooks stay
off (core.hooksPath=/dev/null), so a push never runs anything on the host,
and every received object is checked (transfer.fsckObjects). The framing of
the requests and answers is grader/git/pktline.py's.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from grader.errors import RepositoryError
from grader.git.command import (
    config_args,
    first_error_line,
    folder_bytes,
    git,
    require_full_ids,
    run,
    safe_env,
)

SERVICES = ("upload-pack", "receive-pack")
_CHUNK = 64 * 1024


def _service_command(repo: Path, service: str, config: Sequence[str], *flags: str) -> list[str]:
    # The service name is checked here: it becomes a git subcommand.
    if service not in SERVICES:
        raise RepositoryError(f"unknown git service {service!r}")
    extra = [arg for item in config for arg in ("-c", item)]
    return ["git", *config_args(), *extra, service, "--stateless-rpc", *flags, str(repo)]


def advertise_refs(repo: Path, service: str, timeout_s: float = 30) -> bytes:
    """The ref advertisement that answers ``info/refs?service=git-<service>``."""
    command = _service_command(repo, service, (), "--advertise-refs")
    return _run_service(command, None, timeout_s, service)


def run_service(
    repo: Path, service: str, stdin: IO[bytes], timeout_s: float, config: Sequence[str] = ()
) -> bytes:
    """One stateless-rpc exchange whose answer is small (receive-pack's report)."""
    _sync_offset(stdin)
    return _run_service(_service_command(repo, service, config), stdin, timeout_s, service)


def _sync_offset(stdin: IO[bytes]) -> None:
    """Move the descriptor to where the Python file object stands.

    A buffered file may seek inside its buffer without moving the descriptor,
    and the child process reads the descriptor.
    """
    stdin.flush()
    os.lseek(stdin.fileno(), stdin.tell(), os.SEEK_SET)


def _run_service(
    command: list[str], stdin: IO[bytes] | None, timeout_s: float, service: str
) -> bytes:
    done = run(command, service, timeout_s, stdin=stdin)
    # A refused push still exits 0 or 1 with its reasons in the report on stdout;
    # only a failure that left nothing to tell the client is an error here.
    if done.returncode != 0 and not done.stdout:
        raise RepositoryError(first_error_line(done.stderr) or f"git {service} failed")
    return done.stdout


def stream_service(repo: Path, service: str, stdin: IO[bytes], timeout_s: float) -> Iterator[bytes]:
    """One stateless-rpc exchange whose answer may be large (upload-pack's pack), streamed.

    The process is killed at ``timeout_s`` (a client that stops reading cannot
    hold it forever) and whenever the consumer stops early.
    """
    _sync_offset(stdin)
    process = subprocess.Popen(
        _service_command(repo, service, ()),
        env=safe_env(),
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    timer = threading.Timer(timeout_s, process.kill)
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
    require_full_ids(new, *before)
    out = git(["rev-list", new, "--not", *before, "--"], cwd=repo, timeout_s=60)
    return out.decode().split()


def repository_bytes(repo: Path) -> int:
    """What a repository takes on disk."""
    return folder_bytes(repo)
