"""Hosted repositories in the database: invitations, and the pushes their repositories get.

Each function takes a Session; the caller owns the transaction (db.session_scope).
A push is one ref update, recorded with the commits it introduced and the time
it arrived; the history analysis and the push limits read those times.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.store.models import AuditRow, ChallengeRow, InvitationRow, PushRow, SubmissionRow


def create_invitation(
    session: Session,
    *,
    challenge: ChallengeRow,
    candidate_email: str,
    token_id: int,
    webhook_secret: str | None = None,
) -> InvitationRow:
    row = InvitationRow(
        id=str(uuid.uuid4()),
        challenge_id=challenge.id,
        challenge_version=challenge.current_version,
        candidate_email=candidate_email,
        token_id=token_id,
        webhook_secret=webhook_secret,
    )
    session.add(row)
    session.flush()
    return row


def get_invitation(session: Session, invitation_id: str) -> InvitationRow | None:
    return session.get(InvitationRow, invitation_id)


def invitation_of_token(session: Session, token_id: int) -> InvitationRow | None:
    return session.scalar(select(InvitationRow).where(InvitationRow.token_id == token_id))


def invitation_for_external_repo(session: Session, repo_url: str) -> InvitationRow | None:
    return session.scalar(select(InvitationRow).where(InvitationRow.external_repo == repo_url))


def record_push(
    session: Session,
    *,
    invitation_id: str,
    ref: str,
    old: str | None,
    new: str,
    commits: list[str],
    forced: bool,
) -> PushRow:
    row = PushRow(
        invitation_id=invitation_id,
        ref=ref,
        old_commit=old,
        new_commit=new,
        commits=commits,
        forced=forced,
    )
    session.add(row)
    session.flush()
    return row


def push_times(session: Session, invitation_id: str) -> dict[str, datetime]:
    """When each commit first arrived at our server, for the history analysis."""
    times: dict[str, datetime] = {}
    for push in session.scalars(
        select(PushRow).where(PushRow.invitation_id == invitation_id).order_by(PushRow.id)
    ):
        for sha in push.commits:
            times.setdefault(sha, push.received_at)
    return times


def list_invitations(session: Session, limit: int = 500) -> list[InvitationRow]:
    query = select(InvitationRow).order_by(InvitationRow.created_at.desc()).limit(limit)
    return list(session.scalars(query).all())


def push_counts(session: Session) -> dict[str, int]:
    """How many ref updates each invitation's repository has received."""
    query = select(PushRow.invitation_id, func.count()).group_by(PushRow.invitation_id)
    return {invitation_id: count for invitation_id, count in session.execute(query)}


def pushes_since(session: Session, invitation_id: str, since: datetime) -> list[datetime]:
    """When each accepted push (hosted, or told by a webhook) arrived, oldest first."""
    query = (
        select(AuditRow.at)
        .where(
            AuditRow.action.in_(("git.push", "webhook.push")),
            AuditRow.subject == invitation_id,
            AuditRow.at >= since,
        )
        .order_by(AuditRow.at)
    )
    return list(session.scalars(query).all())


def attempts_of(session: Session, invitation_id: str) -> list[SubmissionRow]:
    """Every grading of an invitation's work, oldest first: no attempt replaces another."""
    query = (
        select(SubmissionRow)
        .where(SubmissionRow.invitation_id == invitation_id)
        .order_by(SubmissionRow.created_at, SubmissionRow.id)
    )
    return list(session.scalars(query).all())


def forced_pushes(session: Session, invitation_id: str) -> list[PushRow]:
    """The pushes that rewrote a ref's history (the old commit is not in the new one's)."""
    query = (
        select(PushRow)
        .where(PushRow.invitation_id == invitation_id, PushRow.forced.is_(True))
        .order_by(PushRow.id)
    )
    return list(session.scalars(query).all())
