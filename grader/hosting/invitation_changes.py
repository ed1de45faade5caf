"""What a reviewer changes about an invitation: revoke it, extend its deadline, choose
which submission is graded. Each change is written to the audit log with who made
it and the values before and after.

Revoking keeps the repository and everything pushed: only the token stops
working (for clone, push and the API). An extension moves the deadline later
only; a reviewer who wants it earlier revokes and invites again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from grader.config import Settings
from grader.errors import BadInput
from grader.hosting import deadlines, terms
from grader.hosting.invitations import describe, find, live_invitation
from grader.store import hosted, repo
from grader.store.db import session_scope
from grader.store.models import InvitationRow
from grader.timestamps import rfc3339


def revoke(settings: Settings, invitation_id: str, actor: str) -> dict[str, Any]:
    """Revoke the invitation and its token; a second revocation changes nothing."""
    with session_scope(settings.effective_database_url) as session:
        invitation = find(session, invitation_id)
        if invitation.revoked_at is None:
            invitation.revoked_at = deadlines.clock()
            token = repo.get_token(session, invitation.token_id)
            if token is not None:
                token.revoked = True
            repo.audit(session, actor, "invitation.revoke", invitation.id, {})
        return describe(session, settings, invitation)


def extend(
    settings: Settings, invitation_id: str, change: terms.Extension, actor: str
) -> dict[str, Any]:
    """Move the deadline later, by a duration or to a moment."""
    now = deadlines.clock()
    with session_scope(settings.effective_database_url) as session:
        invitation = live_invitation(session, invitation_id)
        before = deadlines.deadline_of(invitation, now)
        old = _window(before)
        _apply(invitation, before, change)
        after = deadlines.deadline_of(invitation, now)
        if before.due_at and after.due_at and after.due_at <= before.due_at:
            raise BadInput(
                f"to: {rfc3339(after.due_at)} is not later than the deadline, "
                f"{rfc3339(before.due_at)}"
            )
        repo.audit(
            session,
            actor,
            "invitation.extend",
            invitation.id,
            {"old": old, "new": _window(after)},
        )
        return describe(session, settings, invitation, now)


def _apply(invitation: InvitationRow, before: deadlines.Deadline, change: terms.Extension) -> None:
    if invitation.due_at is None and not invitation.duration_s:
        raise BadInput("this invitation has no deadline to extend")
    if change.by is not None:
        if before.due_at is not None and invitation.due_at is not None:
            invitation.due_at = before.due_at + change.by
        else:  # a duration, started or not: it grows
            invitation.duration_s = (invitation.duration_s or 0) + int(change.by.total_seconds())
        return
    assert change.to is not None
    if before.due_at is None:
        raise BadInput("the clock has not started yet (first clone): extend by a duration")
    if invitation.due_at is not None:
        invitation.due_at = change.to
    else:
        start = before.due_at - timedelta(seconds=invitation.duration_s or 0)
        invitation.duration_s = max(int((change.to - start).total_seconds()), 0)


def _window(deadline: deadlines.Deadline) -> dict[str, str | None]:
    return {
        "due_at": rfc3339(deadline.due_at) if deadline.due_at else None,
        "duration": deadlines.format_duration(deadline.duration) if deadline.duration else None,
    }


def choose_graded(
    settings: Settings, invitation_id: str, submission_id: str | None, actor: str
) -> dict[str, Any]:
    """Make ``submission_id`` (one of the invitation's) the one that counts; None: the default,
    the last one pushed in time."""
    with session_scope(settings.effective_database_url) as session:
        invitation = find(session, invitation_id)
        ids = {s.id for s in hosted.submissions_of_invitation(session, invitation.id)}
        if submission_id is not None and submission_id not in ids:
            raise BadInput(f"submission {submission_id[:36]!r} is not one of this invitation's")
        old = invitation.graded_submission_id
        invitation.graded_submission_id = submission_id
        detail = {"old": old, "new": submission_id}
        repo.audit(session, actor, "invitation.graded", invitation.id, detail)
        return describe(session, settings, invitation)


def started(settings: Settings, invitation_id: str, at: datetime) -> bool:
    """Record the candidate's first clone or push (the start of a duration's clock)."""
    with session_scope(settings.effective_database_url) as session:
        return hosted.mark_started(session, invitation_id, at)
