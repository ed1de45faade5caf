"""The queries behind candidate feedback: a candidate's submissions, and held gradings.

A submission past its candidate's gradings limit is stored with the status
``held``: no worker claims it and recovery never queues it (both look for
``queued`` alone) until a reviewer releases it, which queues it as any other.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.store.models import (
    InvitationRow,
    SubmissionEventRow,
    SubmissionRow,
    SubmissionStatus,
    utcnow,
)

HELD = SubmissionStatus.HELD


def gradings_used(session: Session, invitation_id: str) -> int:
    """The invitation's submissions that were (or will be) graded: all but the held ones.

    The invitation's row is locked first, until the caller's transaction ends: two
    submissions arriving at once (API, webhook, push) are counted one after the other,
    not each before the other is committed (PostgreSQL; SQLite serializes writers).
    """
    session.execute(  # NO KEY UPDATE: it must not wait on the new row's foreign-key lock
        select(InvitationRow.id)
        .where(InvitationRow.id == invitation_id)
        .with_for_update(key_share=True)
    )
    count = session.scalar(
        select(func.count())
        .select_from(SubmissionRow)
        .where(SubmissionRow.invitation_id == invitation_id, SubmissionRow.status != HELD)
    )
    return int(count or 0)


def of_invitation(
    session: Session, invitation_id: str, limit: int = 200
) -> Sequence[SubmissionRow]:
    """An invitation's submissions, newest first."""
    return session.scalars(
        select(SubmissionRow)
        .where(SubmissionRow.invitation_id == invitation_id)
        .order_by(SubmissionRow.created_at.desc(), SubmissionRow.id.desc())
        .limit(limit)
    ).all()


def _move(session: Session, row: SubmissionRow, status: str, detail: str) -> None:
    row.status, row.updated_at = status, utcnow()
    session.add(SubmissionEventRow(submission_id=row.id, status=status, detail=detail))


def hold(session: Session, row: SubmissionRow, reason: str) -> None:
    """Keep a new submission out of the queue; ``reason`` is what its candidate is told."""
    _move(session, row, HELD, reason)


def release(session: Session, row: SubmissionRow, detail: str) -> bool:
    """Move a held submission to ``queued``; False if it was not held."""
    if row.status != HELD:
        return False
    _move(session, row, SubmissionStatus.QUEUED, detail)
    return True


def hold_reason(session: Session, submission_id: str) -> str:
    """The reason a held submission was given, from its last event."""
    detail = session.scalar(
        select(SubmissionEventRow.detail)
        .where(SubmissionEventRow.submission_id == submission_id, SubmissionEventRow.status == HELD)
        .order_by(SubmissionEventRow.id.desc())
        .limit(1)
    )
    return detail or ""
