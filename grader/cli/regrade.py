"""``grader regrade``: grade a challenge's submissions again, read the diff, publish or discard.

    grader regrade --challenge ID [--version V] [--only STATUS] [--candidate EMAIL]
    grader regrade list [--challenge ID]
    grader regrade show REGRADE [--json]
    grader regrade publish REGRADE
    grader regrade discard REGRADE

The gradings run on the workers (``grader worker``), behind live gradings; this
command only records the regrade and queues them (grader/regrade.py).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from grader import regrade as regrading
from grader.cli.base import database, handles_errors
from grader.config import get_settings
from grader.errors import BadInput
from grader.regrade_diff import SubmissionDiff
from grader.store import regrades
from grader.store.db import session_scope
from grader.timestamps import rfc3339

app = typer.Typer(
    help="Grade a challenge's submissions again into shadow results; publish or discard them."
)
MAX_TESTS_SHOWN = 8


@app.callback(invoke_without_command=True)
@handles_errors
def start(
    ctx: typer.Context,
    challenge: Annotated[
        str | None, typer.Option(help="Start a regrade of this challenge's submissions")
    ] = None,
    version: Annotated[
        str | None, typer.Option(help="Challenge version to grade against (default: current)")
    ] = None,
    only: Annotated[
        str | None, typer.Option(help="Only submissions with this status: graded|tampered|error")
    ] = None,
    candidate: Annotated[
        str | None, typer.Option(help="Only this candidate's submissions (e-mail)")
    ] = None,
) -> None:
    """Start a regrade (with --challenge), or run one of the commands below."""
    if ctx.invoked_subcommand is not None:
        if challenge or version or only or candidate:
            raise BadInput("--challenge, --version, --only and --candidate start a regrade alone")
        return
    if challenge is None:
        raise BadInput(
            "give --challenge to start a regrade, or a command: list, show, publish, discard"
        )
    settings = get_settings()
    database(settings)
    started = regrading.start(
        settings, challenge, version=version, only=only, candidate=candidate, actor="cli"
    )
    print(
        f"regrade {started.regrade} of {started.challenge} against version "
        f"{started.version[:12]}: {started.submissions} submission(s) queued behind live gradings"
    )
    if not started.queued:
        print("Redis is unreachable: the workers will queue them once it is back")
    print(f"follow it with: grader regrade show {started.regrade}")


@app.command("list")
@handles_errors
def list_regrades(
    challenge: Annotated[str | None, typer.Option(help="Only this challenge's")] = None,
) -> None:
    """The regrades, newest first."""
    with session_scope(database(get_settings())) as session:
        for row in regrades.list_regrades(session, challenge):
            print(
                f"{row.id}  {row.challenge_id:<20} {row.version[:12]}  {row.state:<9}  "
                f"{rfc3339(row.created_at)}  {regrading.selection_text(row.selection)}"
            )


@app.command()
@handles_errors
def show(
    regrade: Annotated[str, typer.Argument(help="Regrade id")],
    as_json: Annotated[bool, typer.Option("--json", help="The diff as JSON")] = False,
) -> None:
    """The regrade's diff: per submission old -> new scores and the tests that changed."""
    with session_scope(database(get_settings())) as session:
        view = regrading.view(session, regrade)
        if view is None:
            raise BadInput(f"no regrade {regrade}")
        text = json.dumps(_json(view), indent=2) if as_json else render(view)
    print(text)


@app.command()
@handles_errors
def publish(regrade: Annotated[str, typer.Argument(help="Regrade id")]) -> None:
    """Make the regrade's shadow results current, all at once (the old ones are kept)."""
    done = regrading.publish(database(get_settings()), regrade, "cli")
    kept = f"; {done.kept} failed shadow grading(s) kept their result" if done.kept else ""
    print(f"published regrade {regrade}: {done.published} result(s) are now current{kept}")


@app.command()
@handles_errors
def discard(regrade: Annotated[str, typer.Argument(help="Regrade id")]) -> None:
    """Drop the regrade: its shadow results are never shown."""
    regrading.discard(database(get_settings()), regrade, "cli")
    print(f"discarded regrade {regrade}: nothing changed")


def render(view: regrading.RegradeView) -> str:
    """The diff as a table, then each submission's changed tests."""
    row, counts = view.regrade, view.summary
    lines = [
        f"regrade {row.id} of {row.challenge_id} against version {row.version[:12]}: {row.state}",
        f"  {regrading.selection_text(row.selection)}; requested by {row.requested_by}"
        + (f"; {row.state} by {row.decided_by}" if row.decided_by else ""),
        "  " + ", ".join(f"{counts[key]} {key}" for key in counts),
        "",
        f"  {'submission':<36}  {'candidate':<24}  {'old':>6}  {'new':>6}  change",
    ]
    for d in view.diffs:
        lines.append(
            f"  {d.submission:<36}  {(d.candidate or '-')[:24]:<24}  {_score(d.old_overall):>6}  "
            f"{_score(d.new_overall):>6}  {d.change}" + (f" ({d.error})" if d.error else "")
        )
    for d in view.diffs:
        lines += _details(d)
    return "\n".join(lines)


def _details(d: SubmissionDiff) -> list[str]:
    moved = [s for s in d.skills if s.old != s.new]
    if not moved and not d.tests:
        return []
    lines = ["", f"{d.candidate or d.submission}:"]
    lines += [f"  skill {s.name}: {_score(s.old)} -> {_score(s.new)}" for s in moved]
    for test in d.tests[:MAX_TESTS_SHOWN]:
        lines.append(f"  test  {test.id}: {test.old or 'absent'} -> {test.new or 'absent'}")
    if len(d.tests) > MAX_TESTS_SHOWN:
        lines.append(f"  ... and {len(d.tests) - MAX_TESTS_SHOWN} more test(s)")
    return lines


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _json(view: regrading.RegradeView) -> dict[str, object]:
    row = view.regrade
    return {
        "id": row.id,
        "challenge": row.challenge_id,
        "version": row.version,
        "state": row.state,
        "summary": view.summary,
        "submissions": [
            {
                "submission": d.submission,
                "candidate": d.candidate,
                "change": d.change.value,
                "old_overall": d.old_overall,
                "new_overall": d.new_overall,
                "skills": {s.name: [s.old, s.new] for s in d.skills},
                "tests": [{"id": t.id, "old": t.old, "new": t.new} for t in d.tests],
                "error": d.error,
            }
            for d in view.diffs
        ],
    }
