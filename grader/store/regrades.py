"""The regrade tables: a regrade of a challenge, and one shadow result per submission.

A shadow result lives in its own table, never in ``reports``: everything that
reviewers, candidates and the exports read (reports, submissions.overall) is
untouched until ``publish_shadow`` swaps it in. State changes are conditional
UPDATEs, so two workers that receive the same shadow job grade it once and two
admins who publish at the same moment publish once.

Each function takes a Session; the caller owns the transaction (db.session_scope).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from grader.store.models import (
    FINAL,
    RegradeRow,
    RegradeState,
    ReportRow,
    ShadowResultRow,
    ShadowState,
    SubmissionEventRow,
    SubmissionRow,
    utcnow,
)
from grader.timestamps import rfc3339

OPEN = (RegradeState.RUNNING, RegradeState.READY)
UNFINISHED = (ShadowState.QUEUED, ShadowState.RUNNING)


# -- regrades ------------------------------------------------------------------------------
def create_regrade(
    session: Session, *, challenge_id: str, version: str, selection: dict[str, Any], actor: str
) -> RegradeRow:
    row = RegradeRow(
        id=str(uuid.uuid4()),
        challenge_id=challenge_id,
        version=version,
        selection=selection,
        state=RegradeState.RUNNING,
        requested_by=actor,
    )
    session.add(row)
    session.flush()
    return row


def get_regrade(session: Session, regrade_id: str) -> RegradeRow | None:
    return session.get(RegradeRow, regrade_id)


def open_regrade(session: Session, challenge_id: str) -> RegradeRow | None:
    """The challenge's regrade that is neither published nor discarded, if any."""
    return session.scalar(
        select(RegradeRow).where(
            RegradeRow.challenge_id == challenge_id, RegradeRow.state.in_(OPEN)
        )
    )


def list_regrades(session: Session, challenge_id: str | None = None) -> Sequence[RegradeRow]:
    query = select(RegradeRow).order_by(RegradeRow.created_at.desc(), RegradeRow.id)
    if challenge_id:
        query = query.where(RegradeRow.challenge_id == challenge_id)
    return session.scalars(query.limit(200)).all()


def decide(session: Session, regrade_id: str, before: str, after: str, actor: str) -> bool:
    """Move a regrade from ``before`` to ``after`` (published, discarded); False if it was not
    in ``before`` any more (someone else decided first)."""
    result = session.execute(
        update(RegradeRow)
        .where(RegradeRow.id == regrade_id, RegradeRow.state == before)
        .values(state=after, decided_by=actor, decided_at=utcnow())
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def mark_ready_if_finished(session: Session, regrade_id: str) -> bool:
    """running -> ready once no shadow grading of it is queued or running."""
    if unfinished_count(session, regrade_id):
        return False
    return decide_state(session, regrade_id, RegradeState.RUNNING, RegradeState.READY)


def decide_state(session: Session, regrade_id: str, before: str, after: str) -> bool:
    result = session.execute(
        update(RegradeRow)
        .where(RegradeRow.id == regrade_id, RegradeRow.state == before)
        .values(state=after)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


# -- which submissions ---------------------------------------------------------------------
def selected_submissions(
    session: Session, challenge_id: str, only: str | None, candidate: str | None
) -> Sequence[SubmissionRow]:
    """A challenge's finished submissions with a known commit (what a regrade grades again)."""
    statuses = [only] if only else sorted(FINAL)
    query = select(SubmissionRow).where(
        SubmissionRow.challenge_id == challenge_id,
        SubmissionRow.status.in_(statuses),
        SubmissionRow.commit.is_not(None),
    )
    if candidate:
        query = query.where(SubmissionRow.candidate_email == candidate)
    return session.scalars(query.order_by(SubmissionRow.created_at, SubmissionRow.id)).all()


# -- shadow results ------------------------------------------------------------------------
def add_shadow(session: Session, regrade_id: str, submission_id: str) -> ShadowResultRow:
    row = ShadowResultRow(
        regrade_id=regrade_id, submission_id=submission_id, state=ShadowState.QUEUED
    )
    session.add(row)
    session.flush()
    return row


def get_shadow(session: Session, shadow_id: int) -> ShadowResultRow | None:
    return session.get(ShadowResultRow, shadow_id)


def shadows_of(
    session: Session, regrade_id: str
) -> list[tuple[ShadowResultRow, SubmissionRow, ReportRow | None]]:
    """Each shadow result with its submission and the submission's current report."""
    query = (
        select(ShadowResultRow, SubmissionRow, ReportRow)
        .join(SubmissionRow, SubmissionRow.id == ShadowResultRow.submission_id)
        .outerjoin(ReportRow, ReportRow.submission_id == SubmissionRow.id)
        .where(ShadowResultRow.regrade_id == regrade_id)
        .order_by(SubmissionRow.created_at, SubmissionRow.id)
    )
    return [(shadow, sub, report) for shadow, sub, report in session.execute(query).all()]


def unfinished_count(session: Session, regrade_id: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(ShadowResultRow)
            .where(ShadowResultRow.regrade_id == regrade_id, ShadowResultRow.state.in_(UNFINISHED))
        )
        or 0
    )


def claim_shadow(session: Session, shadow_id: int, lease_s: float) -> bool:
    """queued -> running, for exactly one worker."""
    now = utcnow()
    result = session.execute(
        update(ShadowResultRow)
        .where(ShadowResultRow.id == shadow_id, ShadowResultRow.state == ShadowState.QUEUED)
        .values(
            state=ShadowState.RUNNING,
            lease_until=now + timedelta(seconds=lease_s),
            attempts=ShadowResultRow.attempts + 1,
            updated_at=now,
        )
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def finish_shadow(
    session: Session,
    shadow_id: int,
    *,
    status: str,
    overall: float,
    report: dict[str, Any],
    artifacts: dict[str, Any] | None,
) -> None:
    row = session.get(ShadowResultRow, shadow_id)
    if row is None or row.state != ShadowState.RUNNING:
        return
    row.state, row.status, row.overall = ShadowState.DONE, status, overall
    row.report, row.artifacts, row.error = report, artifacts, None
    row.lease_until, row.updated_at = None, utcnow()


def fail_shadow(session: Session, shadow_id: int, reason: str) -> None:
    row = session.get(ShadowResultRow, shadow_id)
    if row is not None and row.state in UNFINISHED:
        row.state, row.error, row.lease_until, row.updated_at = (
            ShadowState.FAILED,
            reason,
            None,
            utcnow(),
        )


def release_shadow(session: Session, shadow_id: int) -> None:
    """Back to the queue (an infrastructure failure, retried)."""
    row = session.get(ShadowResultRow, shadow_id)
    if row is not None and row.state == ShadowState.RUNNING:
        row.state, row.lease_until, row.updated_at = ShadowState.QUEUED, None, utcnow()


def stale_shadows(
    session: Session, now: datetime, queued_older_than: datetime
) -> Sequence[ShadowResultRow]:
    """Of running regrades: shadows running past their lease, or queued for long."""
    running = select(RegradeRow.id).where(RegradeRow.state == RegradeState.RUNNING)
    return session.scalars(
        select(ShadowResultRow).where(
            ShadowResultRow.regrade_id.in_(running),
            ((ShadowResultRow.state == ShadowState.RUNNING) & (ShadowResultRow.lease_until < now))
            | (
                (ShadowResultRow.state == ShadowState.QUEUED)
                & (ShadowResultRow.updated_at < queued_older_than)
            ),
        )
    ).all()


def requeue_shadow(session: Session, shadow: ShadowResultRow) -> None:
    shadow.state, shadow.lease_until, shadow.updated_at = ShadowState.QUEUED, None, utcnow()


# -- publication ---------------------------------------------------------------------------
def publish_shadow(
    session: Session, shadow: ShadowResultRow, submission: SubmissionRow, regrade: RegradeRow
) -> None:
    """The shadow result becomes the submission's current one; the one it replaces is kept
    in ``shadow.previous``. Part of the caller's one transaction (grader/regrade.publish)."""
    assert shadow.report is not None and shadow.status is not None and shadow.overall is not None
    current = session.get(ReportRow, submission.id)
    shadow.previous = {
        "status": submission.status,
        "overall": submission.overall,
        "report": current.report if current else None,
        "artifacts": current.artifacts if current else None,
        "graded_at": rfc3339(current.created_at) if current else None,
    }
    if current is None:
        session.add(
            ReportRow(
                submission_id=submission.id,
                status=shadow.status,
                overall=shadow.overall,
                report=shadow.report,
                artifacts=shadow.artifacts,
            )
        )
    else:
        current.status, current.overall = shadow.status, shadow.overall
        current.report, current.artifacts = shadow.report, shadow.artifacts
        current.created_at = utcnow()
    submission.status, submission.overall = shadow.status, shadow.overall
    submission.error = None
    submission.updated_at = utcnow()
    session.add(
        SubmissionEventRow(
            submission_id=submission.id,
            status=shadow.status,
            detail=f"regrade {regrade.id} published (challenge version {regrade.version[:12]})",
        )
    )


def published_for(session: Session, submission_id: str) -> list[tuple[RegradeRow, ShadowResultRow]]:
    """The published regrades that replaced this submission's result, newest first."""
    query = (
        select(RegradeRow, ShadowResultRow)
        .join(ShadowResultRow, ShadowResultRow.regrade_id == RegradeRow.id)
        .where(
            ShadowResultRow.submission_id == submission_id,
            RegradeRow.state == RegradeState.PUBLISHED,
            ShadowResultRow.state == ShadowState.DONE,  # every one of them was published
        )
        .order_by(RegradeRow.decided_at.desc())
    )
    return [(regrade, shadow) for regrade, shadow in session.execute(query).all()]


def shadow_of(session: Session, regrade_id: str, submission_id: str) -> ShadowResultRow | None:
    return session.scalar(
        select(ShadowResultRow).where(
            ShadowResultRow.regrade_id == regrade_id,
            ShadowResultRow.submission_id == submission_id,
        )
    )
