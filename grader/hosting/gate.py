"""The deadline's gate on a hosted repository: who may clone or push now, and what they hear.

api/routes/git.py asks ``access_refusal`` before serving anything, and
grader/hosting/pushes.py asks ``push_verdict`` under the repository's push lock
before any ref moves. Only the invitation's own candidate is bound by the
window: an admin's token opens the repository at any time and starts no clock.
Every reason is one line a candidate's terminal shows (``remote:`` lines, or
git's ``[remote rejected] (...)``), with times in UTC, RFC 3339.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.config import Settings
from grader.hosting import deadlines
from grader.hosting.invitation_changes import started
from grader.store import hosted
from grader.store.db import session_scope
from grader.store.models import InvitationRow
from grader.timestamps import rfc3339


def revoked_reason(invitation: InvitationRow | None) -> str:
    """Why a revoked token opens nothing (its invitation revoked, or its token replaced)."""
    if invitation is not None and invitation.revoked_at is not None:
        return (
            f"this invitation was revoked at {rfc3339(invitation.revoked_at)}; "
            "ask the hiring team if this is a mistake"
        )
    return "this token was revoked (a newer one may have been sent to you)"


def access_refusal(invitation: InvitationRow, candidate: bool) -> str | None:
    """Why the candidate may not clone or push now, if they may not: the window is not open."""
    if not candidate:
        return None
    deadline = deadlines.deadline_of(invitation, deadlines.clock())
    return None if deadline.open else deadlines.not_open_reason(deadline)


def fetched(settings: Settings, invitation_id: str, candidate: bool) -> None:
    """A clone or fetch was served: the candidate's first one starts a duration's clock."""
    if candidate:
        started(settings, invitation_id, deadlines.clock())


@dataclass(frozen=True)
class PushVerdict:
    refusal: str | None = None  # the one-line reason a refused push gets
    notes: tuple[str, ...] = ()  # remote: lines, each ending in a newline
    late: bool = False  # accepted after the deadline


def webhook_verdict(invitation: InvitationRow) -> PushVerdict:
    """What a push told by an external host's webhook gets: it cannot be undone there, so a
    refusal means it is not recorded nor graded. No clone is seen, so no clock starts.
    A candidate's own ``POST /api/submissions`` gets the same verdict."""
    if invitation.revoked_at is not None:
        return PushVerdict(revoked_reason(invitation))
    deadline = deadlines.deadline_of(invitation, deadlines.clock())
    if not deadline.open:
        return PushVerdict(deadlines.not_open_reason(deadline))
    if deadline.passed and deadline.late_policy == deadlines.LatePolicy.REFUSE:
        return PushVerdict(deadlines.late_refusal(deadline))
    return PushVerdict(late=deadline.passed)


def push_verdict(settings: Settings, invitation_id: str, candidate: bool) -> PushVerdict:
    """Whether this push is in time, late, or refused; a candidate's first push starts the
    clock (the push that starts it is in time)."""
    if not candidate:
        return PushVerdict()
    now = deadlines.clock()
    with session_scope(settings.effective_database_url) as session:
        invitation = hosted.get_invitation(session, invitation_id)
        if invitation is None:
            return PushVerdict()
        deadline = deadlines.deadline_of(invitation, now)
        if not deadline.open:
            return PushVerdict(deadlines.not_open_reason(deadline))
        if invitation.started_at is None and hosted.mark_started(session, invitation_id, now):
            invitation.started_at = now
            deadline = deadlines.deadline_of(invitation, now)
    if deadline.passed and deadline.late_policy == deadlines.LatePolicy.REFUSE:
        assert deadline.due_at is not None
        detail = (
            f"grader: the deadline was {rfc3339(deadline.due_at)} (UTC); "
            f"this push arrived at {rfc3339(now.replace(microsecond=0))}\n"
        )
        return PushVerdict(deadlines.late_refusal(deadline), (detail,))
    note = deadlines.push_note(deadline)
    return PushVerdict(None, (note,) if note else (), deadline.passed)
