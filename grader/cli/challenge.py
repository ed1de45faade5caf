"""``grader challenge validate|new|add``: authoring challenges and registering them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from grader.cli.base import Progress, database, handles_errors, lists_problems, sandbox_services
from grader.config import get_settings

app = typer.Typer(help="Author and register challenges.", no_args_is_help=True)


@app.command("validate")
@lists_problems
def challenge_validate(
    path: Annotated[str, typer.Argument(help="Challenge folder or git URL")],
    runs: Annotated[int | None, typer.Option(help="How many runs against the solution")] = None,
    contention: Annotated[
        bool,
        typer.Option(help="Also run the timing tests with every core busy (slower, stricter)"),
    ] = True,
) -> None:
    """Check a challenge: manifest, solution scores 100, starter does not, no flaky tests,
    timing tests that hold on a busy machine."""
    from grader.validate import raise_if_invalid, validate_challenge

    settings = get_settings()
    if runs is not None:
        settings = settings.model_copy(update={"validate_runs": max(1, runs)})
    if not contention:
        settings = settings.model_copy(update={"validate_contention": False})
    progress = Progress()
    prepared, result = validate_challenge(
        path, settings, lambda: sandbox_services(settings, progress), progress
    )
    for test_id, seconds in sorted(result.durations.items()):
        print(f"  {seconds:8.3f}s  {test_id}")
    print(
        f"  {result.suite_seconds:8.3f}s  total under the reference "
        f"(timeout_s = {prepared.challenge.limits.timeout_s:g})"
    )
    for warning in result.warnings:
        print(f"warning: {warning}")
    raise_if_invalid(result)
    print(
        f"valid: {prepared.challenge.id} ({len(prepared.test_ids)} tests, "
        f"skills: {', '.join(s.name for s in prepared.challenge.skills)}, "
        f"isolation: {prepared.challenge.isolation.value})"
    )


@app.command("new")
@handles_errors
def challenge_new(
    path: Annotated[Path, typer.Argument(help="Folder to create (its name becomes the id)")],
    language: Annotated[str, typer.Option(help="python, node or java")] = "python",
) -> None:
    """Scaffold a new challenge that validates as it is."""
    from grader.scaffold import scaffold

    created = scaffold(path, language)
    print(f"created {created}; edit it, then run: grader challenge validate {created}")


@app.command("add")
@lists_problems
def challenge_add(
    path: Annotated[str, typer.Argument(help="Challenge folder or git URL")],
) -> None:
    """Validate a challenge and register it with the server's database at its current version."""
    from grader.catalogue import add

    settings = get_settings()
    progress = Progress()
    database(settings)
    prepared = add(settings, path, lambda: sandbox_services(settings, progress), progress)
    challenge = prepared.challenge
    print(f"added {challenge.id} at {challenge.commit or challenge.content_hash()}")
