"""``grader challenge validate|new|add``: authoring challenges and registering them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from grader.cli.base import Progress, database, fail, handles_errors, sandbox_services
from grader.config import get_settings
from grader.errors import BadInput, ChallengeInvalid, GraderError

app = typer.Typer(help="Author and register challenges.", no_args_is_help=True)


@app.command("validate")
def challenge_validate(
    path: Annotated[str, typer.Argument(help="Challenge folder or git URL")],
    runs: Annotated[int | None, typer.Option(help="How many runs against the solution")] = None,
) -> None:
    """Check a challenge: manifest, solution scores 100, starter does not, no flaky tests."""
    from grader.prepare import locate_challenge, prepare
    from grader.validate import validate

    settings = get_settings()
    if runs is not None:
        settings = settings.model_copy(update={"validate_runs": max(1, runs)})
    progress = Progress()
    try:
        found = locate_challenge(path, settings)
        builder, sandbox = sandbox_services(settings, progress)
        prepared = prepare(found, builder, sandbox, settings)
        result = validate(prepared, sandbox, settings, progress)
    except ChallengeInvalid as exc:
        _print_problems(exc.problems)
        raise typer.Exit(1) from None
    except GraderError as exc:
        raise fail(1 if not isinstance(exc, BadInput) else 2, str(exc)) from None
    for test_id, seconds in sorted(result.durations.items()):
        print(f"  {seconds:8.3f}s  {test_id}")
    print(
        f"  {result.suite_seconds:8.3f}s  total under the reference "
        f"(timeout_s = {prepared.challenge.limits.timeout_s:g})"
    )
    for warning in result.warnings:
        print(f"warning: {warning}")
    if not result.valid:
        _print_problems(result.problems)
        raise typer.Exit(1)
    print(
        f"valid: {prepared.challenge.id} ({len(prepared.test_ids)} tests, "
        f"skills: {', '.join(s.name for s in prepared.challenge.skills)}, "
        f"isolation: {prepared.challenge.isolation.value})"
    )


def _print_problems(problems: list[str]) -> None:
    for problem in problems:
        print(f"invalid: {problem}")


@app.command("new")
@handles_errors
def challenge_new(
    path: Annotated[Path, typer.Argument(help="Folder to create (its name becomes the id)")],
) -> None:
    """Scaffold a new challenge that validates as it is."""
    from grader.scaffold import scaffold

    created = scaffold(path)
    print(f"created {created}; edit it, then run: grader challenge validate {created}")


@app.command("add")
def challenge_add(
    path: Annotated[str, typer.Argument(help="Challenge folder or git URL")],
) -> None:
    """Validate a challenge and register it with the server's database at its current version."""
    from grader.catalogue import add

    settings = get_settings()
    progress = Progress()
    try:
        database(settings)
        prepared = add(settings, path, sandbox_services(settings, progress), progress)
    except ChallengeInvalid as exc:
        _print_problems(exc.problems)
        raise typer.Exit(1) from None
    except BadInput as exc:
        raise fail(2, str(exc)) from None
    except GraderError as exc:
        raise fail(1, str(exc)) from None
    challenge = prepared.challenge
    print(f"added {challenge.id} at {challenge.commit or challenge.content_hash()}")
