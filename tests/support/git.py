"""git as the tests and scripts run it: with an author identity of theirs, never the caller's.

The caller's GIT_* variables are dropped (a git hook running the tests sets
GIT_DIR, for one), then the identity and any extra variables added. A failure
raises ``GitFailed``, whose message carries git's own error output.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path


def identity(name: str, email: str) -> dict[str, str]:
    """The author and committer variables of one person."""
    return {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }


CANDIDATE = identity("Test Candidate", "candidate@example.com")
# No system or global configuration: the same behaviour on every machine.
ISOLATED = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


class GitFailed(subprocess.CalledProcessError):
    """A git command exited non-zero; its message says which and what git printed."""

    def __str__(self) -> str:
        stderr = self.stderr.decode(errors="replace") if isinstance(self.stderr, bytes) else ""
        return f"{super().__str__()}\n{stderr.strip()}"


def git_env(env: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without its GIT_* variables, plus ``env``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return {**base, **env}


def git_bytes(
    cwd: Path, args: list[str], env: Mapping[str, str], stdin: bytes | None = None
) -> bytes:
    """``git args`` in ``cwd`` with ``env`` (see ``git_env``); its standard output."""
    command = ["git", *args]
    done = subprocess.run(
        command, cwd=cwd, env=git_env(env), input=stdin, capture_output=True, timeout=120
    )
    if done.returncode != 0:
        raise GitFailed(done.returncode, command, done.stdout, done.stderr)
    return done.stdout


def git(
    cwd: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    author: Mapping[str, str] = CANDIDATE,
) -> str:
    """``git args`` in ``cwd`` as ``author`` (the test candidate unless said); its output."""
    return git_bytes(cwd, list(args), {**author, **(env or {})}).decode().strip()


def write_files(root: Path, files: Mapping[str, str | bytes | None]) -> None:
    """Write each file under ``root`` (text or bytes), creating folders; None deletes it."""
    for relative, content in files.items():
        target = root / relative
        if content is None:
            target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
