"""Running one git process, with settings that make untrusted repositories safe.

Every git process the grader starts goes through here and gets: no prompts, no
system or global config, no hooks, protocols denied unless the caller allows
them, no submodules, no LFS smudge, object checks on transfer and a wall-clock
timeout. A timeout or a missing git is an InfrastructureError; git's refusal
is a RepositoryError unless the caller decides otherwise.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from grader.errors import InfrastructureError, RepositoryError

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
_HEX = frozenset("0123456789abcdef")


def safe_env() -> dict[str, str]:
    """The environment of every git process: the caller's, minus GIT_*, plus no prompts."""
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


def config_env(config: Mapping[str, str]) -> dict[str, str]:
    """``GIT_CONFIG_COUNT`` and its keys and values: configuration kept off the command line."""
    env = {"GIT_CONFIG_COUNT": str(len(config))}
    for index, (key, value) in enumerate(config.items()):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


def config_args(protocols: Sequence[str] = ()) -> list[str]:
    """``-c`` arguments for SAFE_CONFIG, plus the protocols this command may use."""
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
    command = ["git", *config_args(protocols), *args]
    done = run(command, args[0], timeout_s, cwd=cwd, input_bytes=input_bytes)
    if done.returncode != 0:
        raise RepositoryError(first_error_line(done.stderr) or f"git {args[0]} failed")
    return done.stdout


def run(
    command: list[str],
    what: str,
    timeout_s: float,
    *,
    cwd: Path | None = None,
    input_bytes: bytes | None = None,
    stdin: IO[bytes] | None = None,
    extra_env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run one git process with the safe environment; a timeout or a missing git becomes an
    InfrastructureError. What its exit status means is the caller's to decide."""
    try:
        return subprocess.run(
            command,
            cwd=cwd,
            env={**safe_env(), **(extra_env or {})},
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


def first_error_line(stderr: bytes) -> str:
    """git's own reason, from its ``fatal:``/``error:`` line, or the start of stderr."""
    for line in stderr.decode(errors="replace").splitlines():
        line = line.strip()
        if line.startswith(("fatal:", "error:")):
            return line.split(":", 1)[1].strip()
    return stderr.decode(errors="replace").strip()[:300]


def require_full_ids(*shas: str) -> None:
    """Full hex ids only: nothing a caller passes can be read as an option or a range."""
    for sha in shas:
        if len(sha) != 40 or not set(sha) <= _HEX:
            raise RepositoryError(f"expected a full commit id, got {sha!r}")


def folder_bytes(path: Path) -> int:
    """What the files under ``path`` take, symlinks counted as themselves."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total
