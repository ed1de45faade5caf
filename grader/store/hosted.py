"""Hosted repositories in the database: invitations, and the pushes their repositories get.

Each function takes a Session; the caller owns the transaction (db.session_scope).
A push is one ref update, recorded with the commits it introduced and the time
it arrived; the history analysis and the push limits read those times.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from grader.store.models import (
    AuditRow,
    ChallengeRow,
    InvitationRow,
    PushRow,
    SubmissionRow,
    TokenRow,
)
from grader.store.repo import hash_token


def create_invitation(
    session: Session,
    *,
    challenge: ChallengeRow,
    candidate_email: str,
    token_id: int,
    webhook_secret: str | None = None,
    opens_at: datetime | None = None,
    due_at: datetime | None = None,
    duration_s: int | None = None,
    late_policy: str = "refuse",
) -> InvitationRow:
    row = InvitationRow(
        id=str(uuid.uuid4()),
        challenge_id=challenge.id,
        challenge_version=challenge.current_version,
        candidate_email=candidate_email,
        token_id=token_id,
        webhook_secret=webhook_secret,
        opens_at=opens_at,
        due_at=due_at,
        duration_s=duration_s,
        late_policy=late_policy,
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
    late: bool = False,
) -> PushRow:
    row = PushRow(
        invitation_id=invitation_id,
        ref=ref,
        old_commit=old,
        new_commit=new,
        commits=commits,
        forced=forced,
        late=late,
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


def list_invitations(
    session: Session, limit: int = 500, challenge_id: str | None = None
) -> list[InvitationRow]:
    query = select(InvitationRow).order_by(InvitationRow.created_at.desc()).limit(limit)
    if challenge_id is not None:
        query = query.where(InvitationRow.challenge_id == challenge_id)
    return list(session.scalars(query).all())


def push_counts(session: Session, invitation_id: str | None = None) -> dict[str, int]:
    """How many ref updates each invitation's repository has received."""
    query = select(PushRow.invitation_id, func.count()).group_by(PushRow.invitation_id)
    if invitation_id is not None:
        query = query.where(PushRow.invitation_id == invitation_id)
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
    return submissions_of_invitation(session, invitation_id)


# -- time-boxed invitations (grader/hosting/deadlines.py) -------------------------------------
def open_invitation_for(
    session: Session, challenge_id: str, candidate_email: str
) -> InvitationRow | None:
    """The candidate's first invitation to the challenge that is not revoked, if any."""
    query = (
        select(InvitationRow)
        .where(
            InvitationRow.challenge_id == challenge_id,
            InvitationRow.candidate_email == candidate_email,
            InvitationRow.revoked_at.is_(None),
        )
        .order_by(InvitationRow.created_at)
        .limit(1)
    )
    return session.scalar(query)


def revoked_token(session: Session, secret: str) -> tuple[TokenRow, InvitationRow | None] | None:
    """The token ``secret`` was, if it has been revoked, and the invitation it still opens
    (None when a resend has replaced it); None for a live or an unknown secret."""
    token = session.scalar(select(TokenRow).where(TokenRow.token_hash == hash_token(secret)))
    if token is None or not token.revoked:
        return None
    return token, invitation_of_token(session, token.id)


def mark_started(session: Session, invitation_id: str, at: datetime) -> bool:
    """Start an invitation's clock at ``at`` unless it has started: True if this call did.

    One UPDATE with the condition in it, so two first clones at once start it once.
    """
    result = session.execute(
        update(InvitationRow)
        .where(InvitationRow.id == invitation_id, InvitationRow.started_at.is_(None))
        .values(started_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def submissions_of_invitation(session: Session, invitation_id: str) -> list[SubmissionRow]:
    """The invitation's submissions, oldest first."""
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


def graded_submission(session: Session, invitation: InvitationRow) -> SubmissionRow | None:
    """The submission that counts: a reviewer's choice, else the last one pushed in time."""
    if invitation.graded_submission_id is not None:
        chosen = session.get(SubmissionRow, invitation.graded_submission_id)
        if chosen is not None:
            return chosen
    in_time = [s for s in submissions_of_invitation(session, invitation.id) if not s.late]
    return in_time[-1] if in_time else None
