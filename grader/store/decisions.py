"""Reviewers' decisions and comments in the database.

Each function takes a Session; the caller owns the transaction (db.session_scope).
A decision is about one submission or about one candidate (their invitation: a
candidate and a challenge). Decisions are only ever added, never changed: the
newest of a subject is its current decision and the older ones stay as its
history. Every decision and comment is written to the audit log in the same
transaction, so neither exists without its audit entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.store import repo
from grader.store.models import (
    CommentRow,
    CommentTarget,
    DecisionRow,
    InvitationRow,
    SubmissionRow,
    TokenRow,
    Verdict,
)

MAX_HISTORY = 200


@dataclass(frozen=True)
class Subject:
    """What a decision is about: a submission, or a candidate's invitation."""

    challenge_id: str
    submission_id: str | None = None
    invitation_id: str | None = None

    @classmethod
    def of_submission(cls, row: SubmissionRow) -> Subject:
        return cls(row.challenge_id, submission_id=row.id)

    @classmethod
    def of_invitation(cls, row: InvitationRow) -> Subject:
        return cls(row.challenge_id, invitation_id=row.id)

    @property
    def label(self) -> str:
        return (
            f"submission:{self.submission_id}"
            if self.submission_id
            else (f"invitation:{self.invitation_id}")
        )


def actor_of(token: TokenRow) -> str:
    return f"token:{token.id}"


# -- decisions -----------------------------------------------------------------------------
def record_decision(
    session: Session, subject: Subject, verdict: Verdict, notes: str, token: TokenRow
) -> DecisionRow:
    """A new current decision about ``subject``, audited; the earlier ones stay."""
    row = DecisionRow(
        challenge_id=subject.challenge_id,
        submission_id=subject.submission_id,
        invitation_id=subject.invitation_id,
        verdict=verdict.value,
        notes=notes,
        token_id=token.id,
        actor=token.name or f"token {token.id}",
    )
    session.add(row)
    session.flush()
    repo.audit(
        session,
        actor_of(token),
        "decision.record",
        subject.label,
        {"decision": row.id, "verdict": row.verdict, "challenge": subject.challenge_id},
    )
    return row


def get_decision(session: Session, decision_id: int) -> DecisionRow | None:
    return session.get(DecisionRow, decision_id)


def history(session: Session, subject: Subject, limit: int = MAX_HISTORY) -> list[DecisionRow]:
    """The decisions about ``subject``, newest (the current one) first."""
    query = select(DecisionRow)
    if subject.submission_id:
        query = query.where(DecisionRow.submission_id == subject.submission_id)
    else:
        query = query.where(DecisionRow.invitation_id == subject.invitation_id)
    query = query.order_by(DecisionRow.created_at.desc(), DecisionRow.id.desc()).limit(limit)
    return list(session.scalars(query).all())


@dataclass(frozen=True)
class Current:
    """A challenge's current decisions: by submission, and by candidate (their invitation,
    found by its id or by the candidate's email: submissions made through the API by an
    admin name the candidate but no invitation)."""

    submissions: dict[str, DecisionRow]
    invitations: dict[str, DecisionRow]
    invited: dict[str, InvitationRow]  # candidate email -> their newest invitation

    def of_submission(self, submission_id: str) -> DecisionRow | None:
        return self.submissions.get(submission_id)

    def invitation_of(self, email: str | None) -> InvitationRow | None:
        return self.invited.get(email) if email else None

    def of_candidate(self, email: str | None) -> DecisionRow | None:
        invitation = self.invitation_of(email)
        return self.invitations.get(invitation.id) if invitation else None


def current_decisions(session: Session, challenge_id: str) -> Current:
    """Each submission's and each candidate's current decision in one challenge."""
    query = (
        select(DecisionRow)
        .where(DecisionRow.challenge_id == challenge_id)
        .order_by(DecisionRow.id)  # later rows replace earlier ones below
    )
    by_submission: dict[str, DecisionRow] = {}
    by_invitation: dict[str, DecisionRow] = {}
    for row in session.scalars(query):
        if row.submission_id:
            by_submission[row.submission_id] = row
        elif row.invitation_id:
            by_invitation[row.invitation_id] = row
    return Current(by_submission, by_invitation, invited_by_email(session, challenge_id))


def invited_by_email(session: Session, challenge_id: str) -> dict[str, InvitationRow]:
    """The challenge's invitations by candidate email (the newest, if one was invited twice)."""
    query = (
        select(InvitationRow)
        .where(InvitationRow.challenge_id == challenge_id)
        .order_by(InvitationRow.created_at, InvitationRow.id)
    )
    return {row.candidate_email: row for row in session.scalars(query)}


def newest(rows: Iterable[DecisionRow | None]) -> DecisionRow | None:
    """The most recent of some decisions (by when they were recorded), or None."""
    found = [row for row in rows if row is not None]
    return max(found, key=lambda row: row.id) if found else None


# -- comments ------------------------------------------------------------------------------
def add_comment(
    session: Session,
    submission: SubmissionRow,
    kind: CommentTarget,
    target_id: str,
    body: str,
    token: TokenRow,
) -> CommentRow:
    """A reviewer's comment on one test, finding or commit of a submission, audited."""
    row = CommentRow(
        submission_id=submission.id,
        target_kind=kind.value,
        target_id=target_id,
        body=body,
        token_id=token.id,
        actor=token.name or f"token {token.id}",
    )
    session.add(row)
    session.flush()
    repo.audit(
        session,
        actor_of(token),
        "comment.add",
        f"submission:{submission.id}",
        {"comment": row.id, "target": f"{kind.value}:{target_id}"},
    )
    return row


def comments_of(session: Session, submission_id: str) -> Sequence[CommentRow]:
    """A submission's comments, oldest first (a conversation reads top down)."""
    query = (
        select(CommentRow)
        .where(CommentRow.submission_id == submission_id)
        .order_by(CommentRow.created_at, CommentRow.id)
    )
    return session.scalars(query).all()
