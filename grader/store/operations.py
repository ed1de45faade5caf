"""What the operations page reads from the database: counts, who grades what, what failed.

Read-only queries over submissions and their status history. An infrastructure
failure is the event grader/jobs.py writes when it gives a submission back to
the queue: its detail starts with ``INFRASTRUCTURE_FAILURE``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.store.models import SubmissionEventRow, SubmissionRow, SubmissionStatus

INFRASTRUCTURE_FAILURE = "infrastructure failure"


def status_counts(session: Session) -> dict[str, int]:
    """Submissions by status; every known status is there, with 0 when none has it."""
    counts = {status.value: 0 for status in SubmissionStatus}
    rows = session.execute(
        select(SubmissionRow.status, func.count()).group_by(SubmissionRow.status)
    ).all()
    for status, count in rows:
        counts[str(status)] = int(count)
    return counts


def running_by_worker(session: Session) -> dict[str, str]:
    """The worker (``host:pid``) of each running submission -> the submission's id."""
    rows = session.execute(
        select(SubmissionRow.worker, SubmissionRow.id).where(
            SubmissionRow.status == SubmissionStatus.RUNNING, SubmissionRow.worker.is_not(None)
        )
    ).all()
    return {str(worker): str(submission) for worker, submission in rows}


def infrastructure_failures(session: Session, limit: int = 20) -> Sequence[SubmissionEventRow]:
    """The newest events whose detail starts with "infrastructure failure", newest first."""
    return session.scalars(
        select(SubmissionEventRow)
        .where(SubmissionEventRow.detail.startswith(INFRASTRUCTURE_FAILURE, autoescape=True))
        .order_by(SubmissionEventRow.at.desc(), SubmissionEventRow.id.desc())
        .limit(limit)
    ).all()
