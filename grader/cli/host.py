"""``grader images``, ``grader reap`` and ``grader doctor``: the machine that grades."""

from __future__ import annotations

from typing import Annotated

import typer

from grader.cli.base import handles_errors, sandbox_services
from grader.config import get_settings
from grader.services import ServiceKind

app = typer.Typer()


@app.command()
@handles_errors
def images(
    languages: Annotated[list[str] | None, typer.Argument(help="Languages (default: all)")] = None,
) -> None:
    """Build the base and sandbox images that are missing or out of date."""
    from grader.images import language_dirs

    settings = get_settings()
    builder, _sandbox = sandbox_services(settings, lambda m: print(f"[images] {m}", flush=True))
    wanted = languages or language_dirs(settings)
    for language in wanted:
        image = builder.language_image(language)
        print(f"[images] {language}: {image.reference} ({image.image_id[:19]})")
    if not languages:  # and the sidecar services challenges may declare
        for kind in ServiceKind:
            image = builder.service_image(kind.value)
            print(f"[images] {kind.value}: {image.reference} ({image.image_id[:19]})")


@app.command()
@handles_errors
def reap(
    older_than: Annotated[float, typer.Option(help="Only sandboxes older than this (s)")] = 0.0,
) -> None:
    """Remove leftover sandbox containers (from a killed worker, say)."""
    from grader.engine import Engine

    engine = Engine(get_settings().docker_timeout_s)
    removed = engine.remove_stale(older_than)
    networks = engine.remove_stale_networks()
    print(f"removed {removed} sandbox container(s) and {networks} network(s)")


@app.command()
@handles_errors
def doctor() -> None:
    """Check what grading needs on this host, and say what to fix (exit 1 if anything)."""
    from grader.health import doctor as run_checks

    checks = run_checks(get_settings())
    width = max(len(check.name) for check in checks)
    for check in checks:
        print(f"{'ok' if check.ok else 'FAIL':<4}  {check.name:<{width}}  {check.detail}")
        if check.fix:
            print(f"{'':<4}  {'':<{width}}  fix: {check.fix}")
    if not all(check.ok for check in checks):
        raise typer.Exit(1)
