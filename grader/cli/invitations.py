"""``grader invite`` and ``grader invitations list|show|extend|revoke|resend|graded``.

Values go through grader/hosting/terms.py, the validator the API uses, so a
value the API answers 422 to exits 2 here with the same words, before anything
is created. Changes are audited with the actor ``cli``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from grader.cli.base import database, handles_errors
from grader.config import get_settings

app = typer.Typer()
group = typer.Typer(
    help="Invitations: list, show, extend, revoke, resend, choose the graded submission.",
    no_args_is_help=True,
)
ACTOR = "cli"

Id = Annotated[str, typer.Argument(help="The invitation's id")]


def _print(value: Any) -> None:
    print(json.dumps(value, indent=2))


@app.command()
@handles_errors
def invite(
    challenge: Annotated[str, typer.Option(help="Challenge id")],
    candidate: Annotated[str, typer.Option(help="Candidate's email")],
    opens_at: Annotated[
        str | None, typer.Option(help="RFC 3339 with a zone: no clone or push before")
    ] = None,
    due_at: Annotated[str | None, typer.Option(help="A fixed deadline, RFC 3339")] = None,
    duration: Annotated[
        str | None, typer.Option(help="e.g. 72h: from --opens-at, else from the first clone")
    ] = None,
    late: Annotated[
        str | None, typer.Option(help="refuse or accept-late (default: the challenge's)")
    ] = None,
) -> None:
    """Create a hosted repository for a candidate; prints JSON with clone_url and token.

    A candidate already invited to the challenge gets their first invitation back
    ("existing": true, no token; `grader invitations resend` sends a new one).
    """
    from grader.hosting import deadlines, terms
    from grader.hosting.invitations import invite as create_invitation

    settings = get_settings()
    window = {"opens_at": opens_at, "due_at": due_at, "duration": duration, "late": late}
    # Checked before the database is touched: a bad value creates nothing.
    terms.invitation_request(challenge, candidate, now=deadlines.clock(), **window)
    database(settings)
    _print(create_invitation(settings, challenge, candidate, actor=ACTOR, **window))


@group.command("list")
@handles_errors
def list_(
    challenge: Annotated[str | None, typer.Option(help="Only this challenge's")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table")] = False,
) -> None:
    """Invitations, newest first: candidate, deadline, time left, status."""
    from grader.hosting.invitations import describe
    from grader.store import hosted
    from grader.store.db import session_scope

    settings = get_settings()
    with session_scope(database(settings)) as session:
        found = hosted.list_invitations(session, challenge_id=challenge)
        rows = [describe(session, settings, row) for row in found]
    if as_json:
        _print(rows)
        return
    for row in rows:
        print("\t".join((row["id"], row["challenge"], row["candidate"], _state(row))))


def _state(row: dict[str, Any]) -> str:
    deadline = row["deadline"]
    if row["revoked_at"]:
        return f"revoked {row['revoked_at']}"
    if deadline["due_at"] is None:
        return f"{deadline['duration']} from the first clone" if deadline["duration"] else "open"
    if deadline["passed"]:
        return f"due {deadline['due_at']} (passed, {deadline['late_policy']})"
    return f"due {deadline['due_at']} ({deadline['seconds_left']} s left)"


@group.command()
@handles_errors
def show(invitation: Id) -> None:
    """One invitation as JSON: its window, time left and the submission that counts."""
    from grader.hosting.invitations import describe, find
    from grader.store.db import session_scope

    settings = get_settings()
    with session_scope(database(settings)) as session:
        _print(describe(session, settings, find(session, invitation)))


@group.command()
@handles_errors
def extend(
    invitation: Id,
    by: Annotated[str | None, typer.Option(help="A duration, e.g. 24h")] = None,
    to: Annotated[str | None, typer.Option(help="A new deadline, RFC 3339")] = None,
) -> None:
    """Move the deadline later (audited with the old and new values)."""
    from grader.hosting import invitation_changes, terms

    change = terms.extension(by, to)
    settings = get_settings()
    database(settings)
    _print(invitation_changes.extend(settings, invitation, change, ACTOR))


@group.command()
@handles_errors
def revoke(invitation: Id) -> None:
    """Stop the invitation's token (clone, push, API); the repository is kept."""
    from grader.hosting import invitation_changes

    settings = get_settings()
    database(settings)
    _print(invitation_changes.revoke(settings, invitation, ACTOR))


@group.command()
@handles_errors
def resend(invitation: Id) -> None:
    """A new token for the invitation (printed once); the old one stops working."""
    from grader.hosting import invitations

    settings = get_settings()
    database(settings)
    _print(invitations.resend(settings, invitation, ACTOR))


@group.command()
@handles_errors
def graded(
    invitation: Id,
    submission: Annotated[
        str | None, typer.Argument(help="One of its submissions; none: the last in time")
    ] = None,
) -> None:
    """Choose the submission that counts for the invitation."""
    from grader.hosting import invitation_changes

    settings = get_settings()
    database(settings)
    _print(invitation_changes.choose_graded(settings, invitation, submission, ACTOR))
