"""``grader candidate erase`` and ``grader retention run``: a candidate's data, removed.

What is removed and in which order is grader/erasure.py's; here only the
confirmation and the counts printed per kind.
"""

from __future__ import annotations

from typing import Annotated

import typer

from grader.cli.base import database, handles_errors
from grader.config import get_settings
from grader.erasure import Erased
from grader.errors import BadInput

candidate_app = typer.Typer(help="Candidates' data.", no_args_is_help=True)
retention_app = typer.Typer(help="Erasing candidates after their round.", no_args_is_help=True)


def print_counts(erased: Erased) -> None:
    for kind, count in sorted(erased.counts.items()):
        print(f"  {kind:<22}{count:>6}")


@candidate_app.command("erase")
@handles_errors
def erase(
    email: Annotated[str, typer.Argument(help="The candidate's email")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm: the data cannot be restored")
    ] = False,
) -> None:
    """Remove everything about a candidate: repositories, submissions, reports, tokens."""
    from grader.erasure import erase as erase_candidate

    if not yes:
        raise BadInput(f"erasing {email} removes all their data for good: run again with --yes")
    settings = get_settings()
    database(settings)
    erased = erase_candidate(settings, email, actor="cli")
    found = "" if erased.total else " (nothing was stored about this email)"
    print(f"erased {email}: erasure {erased.id}{found}")
    print_counts(erased)


@retention_app.command("run")
@handles_errors
def run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list who is due")] = False,
) -> None:
    """Erase the candidates inactive for more than GRADER_RETENTION_DAYS days."""
    from grader import retention

    settings = get_settings()
    if settings.retention_days <= 0:
        raise BadInput("retention is off: set GRADER_RETENTION_DAYS to a number of days")
    database(settings)
    done = retention.run(settings, dry_run=dry_run)
    cutoff = f"{done.cutoff:%Y-%m-%d %H:%M} UTC"
    print(f"{len(done.due)} candidate(s) inactive since before {cutoff}")
    for number, email in enumerate(done.due):
        if dry_run:
            print(f"due {email}")
            continue
        print(f"erased {email}: erasure {done.erased[number].id}")
        print_counts(done.erased[number])
    if done.files_finished:
        print(f"finished the files of {len(done.files_finished)} interrupted erasure(s)")
