"""What every group of commands shares. Errors become exit codes and one-line messages
here, and only here:

BadInput (incl. ChallengeInvalid, RepositoryError) -> exit 2
InfrastructureError, any other GraderError         -> exit 1
ChallengeInvalid, from a command that judges a challenge (validate, add)
                                                   -> exit 1, each problem on a line
                                                      "invalid: ..." on stdout

Also the progress lines on stderr, the image builder and sandbox a command
grades with, and the server's database.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from grader.config import Settings
from grader.errors import BadInput, ChallengeInvalid, GraderError

F = TypeVar("F", bound=Callable[..., Any])


def fail(code: int, message: str) -> typer.Exit:
    print(f"grader: {message}", file=sys.stderr)
    return typer.Exit(code)


def handles_errors(func: F) -> F:
    """Turn the grader's errors into the contract's exit codes, with one line on stderr."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BadInput as exc:
            raise fail(2, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
        except GraderError as exc:
            raise fail(1, one_line(str(exc))) from None

    return wrapper  # type: ignore[return-value]


def one_line(message: str, limit: int = 500) -> str:
    """The message on one line, at most ``limit`` characters. A long one keeps its start
    (what failed) and its end (why: a build log's or a tool's last words), not the start
    alone, where a failed image build showed only its first steps."""
    flat = " ".join(message.split())
    if len(flat) <= limit:
        return flat
    head = " ".join(message.strip().splitlines()[0].split())[: limit // 3]
    return f"{head} ... {flat[-(limit - len(head) - 5) :]}"


def lists_problems(func: F) -> F:
    """For a command whose answer is whether a challenge is valid: its problems are that
    answer, not an error, so all of them are printed (the contract's exit 1)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ChallengeInvalid as exc:
            for problem in exc.problems:
                print(f"invalid: {problem}")
            raise typer.Exit(1) from None

    return handles_errors(wrapper)  # type: ignore[return-value]


class Progress:
    """Progress lines on stderr, so stdout carries only the report.

    Like git and pip: shown when stderr is a terminal, unless ``--progress`` or
    ``--quiet`` says otherwise, so a script reading stderr gets the error alone.
    """

    def __init__(self, quiet: bool | None = None) -> None:
        self.quiet = not sys.stderr.isatty() if quiet is None else quiet
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self.quiet:
            elapsed = time.perf_counter() - self.started
            print(f"[{elapsed:6.2f}s] {message}", file=sys.stderr, flush=True)


def sandbox_services(
    settings: Settings, progress: Callable[[str], None], warm: bool = False
) -> tuple[Any, Any]:
    """The image builder and the sandbox a command grades with."""
    from grader.engine import Engine
    from grader.images import ImageBuilder
    from grader.sandbox import DockerSandbox

    engine = Engine(settings.docker_timeout_s)
    return ImageBuilder(settings, engine, log=progress), DockerSandbox(settings, engine, warm=warm)


def database(settings: Settings) -> str:
    """The server's database URL, migrated to the current schema."""
    from grader.store.db import migrate

    url = settings.effective_database_url
    migrate(url)
    return url
