"""Which candidates the retention setting erases: those whose round closed long ago.

A candidate's round is taken to close at their last activity: the latest of
their invitations' creation and deadline (grader/hosting/deadlines.py: a
round is open until its deadline, whenever the candidate last pushed), their
pushes' arrival and their submissions' creation. A candidate with a submission
queued or running is never due.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.hosting import deadlines
from grader.store.erasure import email_key
from grader.store.models import ACTIVE, InvitationRow, PushRow, SubmissionRow
from grader.timestamps import utc


def inactive_candidates(session: Session, before: datetime) -> list[str]:
    """Candidates whose last activity (invitation, submission, push) is older than
    ``before`` and who have no submission queued or running; their emails as stored."""
    latest: dict[str, datetime] = {}
    names: dict[str, str] = {}

    def seen(email: str | None, at: datetime | None) -> None:
        if email is None or at is None:
            return
        key = email_key(email)
        names.setdefault(key, email)
        latest[key] = max(latest.get(key, utc(at)), utc(at))

    for email, at in session.execute(
        select(InvitationRow.candidate_email, func.max(InvitationRow.created_at)).group_by(
            InvitationRow.candidate_email
        )
    ):
        seen(email, at)
    now = datetime.now(UTC)
    for invitation in session.scalars(select(InvitationRow)):
        seen(invitation.candidate_email, deadlines.deadline_of(invitation, now).due_at)
    for email, at in session.execute(
        select(InvitationRow.candidate_email, func.max(PushRow.received_at))
        .join(PushRow, PushRow.invitation_id == InvitationRow.id)
        .group_by(InvitationRow.candidate_email)
    ):
        seen(email, at)
    for maybe, at in session.execute(
        select(SubmissionRow.candidate_email, func.max(SubmissionRow.created_at)).group_by(
            SubmissionRow.candidate_email
        )
    ):
        seen(maybe, at)  # None: a submission with no candidate, never due
    active = select(SubmissionRow.candidate_email).where(SubmissionRow.status.in_(list(ACTIVE)))
    busy = {email_key(who) for who in session.scalars(active.distinct()) if who}
    cutoff = utc(before)
    return sorted(names[k] for k, at in latest.items() if at < cutoff and k not in busy)
