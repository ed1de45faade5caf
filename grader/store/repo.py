"""Repository functions for tokens, challenges, submissions and the audit log.

With hosted.py (invitations, pushes), deliveries.py (outgoing webhooks) and
results.py (a challenge's results), the store is the only code that queries
the tables.

Each takes a Session; the caller owns the transaction (db.session_scope).
State changes of a submission always add a row to its status history.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from grader.store.models import (
    FINAL,
    AuditRow,
    ChallengeRow,
    ChallengeVersionRow,
    ReportRow,
    Role,
    SubmissionEventRow,
    SubmissionRow,
    SubmissionStatus,
    TokenRow,
    utcnow,
)

ROLES = tuple(role.value for role in Role)


# -- tokens ------------------------------------------------------------------
def ping(session: Session) -> None:
    """Raises unless the database answers a query."""
    session.execute(select(1))


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    session: Session, role: str, name: str = "", candidate_email: str | None = None
) -> tuple[str, TokenRow]:
    """A new token; the secret is returned once and only its hash is stored."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    secret = f"grd_{secrets.token_urlsafe(32)}"
    row = TokenRow(
        name=name, role=role, token_hash=hash_token(secret), candidate_email=candidate_email
    )
    session.add(row)
    session.flush()
    return secret, row


def get_token(session: Session, token_id: int) -> TokenRow | None:
    return session.get(TokenRow, token_id)


def token_for_secret(session: Session, secret: str) -> TokenRow | None:
    row = session.scalar(select(TokenRow).where(TokenRow.token_hash == hash_token(secret)))
    return None if row is None or row.revoked else row


# -- challenges --------------------------------------------------------------
def upsert_challenge(
    session: Session,
    *,
    challenge_id: str,
    title: str,
    language: str,
    source: str,
    version: str,
    commit: str | None,
    root: str,
    skills: list[Any],
    test_count: int,
) -> ChallengeRow:
    row = session.get(ChallengeRow, challenge_id)
    if row is None:
        row = ChallengeRow(
            id=challenge_id, title=title, language=language, source=source, current_version=version
        )
        session.add(row)
    row.title, row.language, row.source, row.current_version = title, language, source, version
    exists = session.scalar(
        select(ChallengeVersionRow).where(
            ChallengeVersionRow.challenge_id == challenge_id, ChallengeVersionRow.version == version
        )
    )
    if exists is None:
        session.add(
            ChallengeVersionRow(
                challenge_id=challenge_id,
                version=version,
                commit=commit,
                root=root,
                skills=skills,
                test_count=test_count,
            )
        )
    session.flush()
    return row


def get_challenge(session: Session, challenge_id: str) -> ChallengeRow | None:
    return session.get(ChallengeRow, challenge_id)


def challenge_version(
    session: Session, challenge_id: str, version: str
) -> ChallengeVersionRow | None:
    return session.scalar(
        select(ChallengeVersionRow).where(
            ChallengeVersionRow.challenge_id == challenge_id, ChallengeVersionRow.version == version
        )
    )


def list_challenges(session: Session) -> Sequence[ChallengeRow]:
    return session.scalars(select(ChallengeRow).order_by(ChallengeRow.id)).all()


# -- submissions -------------------------------------------------------------
def _event(session: Session, submission: SubmissionRow, status: str, detail: str = "") -> None:
    submission.status = status
    submission.updated_at = utcnow()
    session.add(SubmissionEventRow(submission_id=submission.id, status=status, detail=detail))


def create_submission(
    session: Session,
    *,
    challenge: ChallengeRow,
    repo: str,
    ref: str | None,
    candidate_email: str | None = None,
    invitation_id: str | None = None,
    commit: str | None = None,
    submitted_by: int | None = None,
) -> SubmissionRow:
    row = SubmissionRow(
        id=str(uuid.uuid4()),
        challenge_id=challenge.id,
        challenge_version=challenge.current_version,
        repo=repo,
        ref=ref,
        commit=commit,
        candidate_email=candidate_email,
        invitation_id=invitation_id,
        submitted_by=submitted_by,
        status=SubmissionStatus.QUEUED,
    )
    session.add(row)
    session.flush()
    _event(session, row, SubmissionStatus.QUEUED, "submitted")
    return row


def get_submission(session: Session, submission_id: str) -> SubmissionRow | None:
    return session.get(SubmissionRow, submission_id)


def list_submissions(
    session: Session,
    *,
    challenge_id: str | None = None,
    candidate_email: str | None = None,
    limit: int = 500,
) -> Sequence[SubmissionRow]:
    query = select(SubmissionRow)
    if challenge_id:
        query = query.where(SubmissionRow.challenge_id == challenge_id)
    if candidate_email:
        query = query.where(SubmissionRow.candidate_email == candidate_email)
    query = query.order_by(SubmissionRow.created_at.desc(), SubmissionRow.id.desc()).limit(limit)
    return session.scalars(query).all()


def events_of(session: Session, submission_id: str) -> Sequence[SubmissionEventRow]:
    return session.scalars(
        select(SubmissionEventRow)
        .where(SubmissionEventRow.submission_id == submission_id)
        .order_by(SubmissionEventRow.id)
    ).all()


def claim(session: Session, submission_id: str, worker: str, lease_s: float) -> bool:
    """Atomically move a queued submission to running; False if someone else has it.

    The conditional UPDATE is what makes two workers that receive the same job
    grade it once.
    """
    now = utcnow()
    result = session.execute(
        update(SubmissionRow)
        .where(SubmissionRow.id == submission_id, SubmissionRow.status == SubmissionStatus.QUEUED)
        .values(
            status=SubmissionStatus.RUNNING,
            worker=worker,
            lease_until=now + timedelta(seconds=lease_s),
            attempts=SubmissionRow.attempts + 1,
            updated_at=now,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.add(
        SubmissionEventRow(
            submission_id=submission_id,
            status=SubmissionStatus.RUNNING,
            detail=f"claimed by {worker}",
        )
    )
    return True


def finish(
    session: Session,
    submission_id: str,
    *,
    status: str,
    overall: float,
    report: dict[str, Any],
    artifacts: dict[str, Any] | None,
    commit: str | None,
    dedupe_key: str | None,
    detail: str = "",
) -> bool:
    """Store a grading's outcome; False (and nothing stored) when the submission is gone:
    its candidate was erased while it was graded."""
    row = session.get(SubmissionRow, submission_id)
    if row is None:
        return False
    row.overall, row.commit, row.dedupe_key, row.lease_until = overall, commit, dedupe_key, None
    row.error = None if status != SubmissionStatus.ERROR else detail
    existing = session.get(ReportRow, submission_id)
    if existing is None:
        session.add(
            ReportRow(
                submission_id=submission_id,
                status=status,
                overall=overall,
                report=report,
                artifacts=artifacts,
            )
        )
    _event(session, row, status, detail)
    return True


def release(session: Session, submission_id: str, detail: str) -> None:
    """Give a running submission back to the queue (an infrastructure failure, to retry)."""
    row = session.get(SubmissionRow, submission_id)
    if row is not None and row.status == SubmissionStatus.RUNNING:
        row.lease_until, row.worker = None, None
        _event(session, row, SubmissionStatus.QUEUED, detail)


def fail(session: Session, submission_id: str, detail: str) -> None:
    row = session.get(SubmissionRow, submission_id)
    if row is not None and row.status not in FINAL:
        row.error, row.lease_until = detail, None
        _event(session, row, SubmissionStatus.ERROR, detail)


def replace_report(
    session: Session,
    submission_id: str,
    *,
    status: str,
    overall: float,
    report: dict[str, Any],
    detail: str,
) -> None:
    """A graded submission's report recomputed (re-scoring): the artifacts stay as they were."""
    row = session.get(SubmissionRow, submission_id)
    stored = session.get(ReportRow, submission_id)
    if row is None or stored is None:
        raise ValueError(f"submission {submission_id} has no report to replace")
    stored.status, stored.overall, stored.report = status, overall, report
    row.overall = overall
    _event(session, row, status, detail)


def report_of(session: Session, submission_id: str) -> ReportRow | None:
    return session.get(ReportRow, submission_id)


def graded_with_key(session: Session, dedupe_key: str) -> ReportRow | None:
    """A finished, non-error report for the same (challenge, commit, grader) if one exists."""
    return session.scalar(
        select(ReportRow)
        .join(SubmissionRow, SubmissionRow.id == ReportRow.submission_id)
        .where(SubmissionRow.dedupe_key == dedupe_key, ReportRow.status != SubmissionStatus.ERROR)
        .order_by(ReportRow.created_at)
        .limit(1)
    )


def stale(session: Session, now: datetime, queued_older_than: datetime) -> list[SubmissionRow]:
    """Running past their lease, or queued for long: candidates for recovery."""
    running = select(SubmissionRow).where(
        SubmissionRow.status == SubmissionStatus.RUNNING, SubmissionRow.lease_until < now
    )
    queued = select(SubmissionRow).where(
        SubmissionRow.status == SubmissionStatus.QUEUED,
        SubmissionRow.updated_at < queued_older_than,
    )
    return [*session.scalars(running).all(), *session.scalars(queued).all()]


def requeue(session: Session, submission: SubmissionRow, detail: str) -> None:
    submission.lease_until, submission.worker = None, None
    _event(session, submission, SubmissionStatus.QUEUED, detail)


# -- audit ---------------------------------------------------------------------
def audit(
    session: Session,
    actor: str,
    action: str,
    subject: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(AuditRow(actor=actor, action=action, subject=subject, detail=detail or {}))
