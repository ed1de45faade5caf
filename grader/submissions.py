"""Submitting a grading: the database row first, then the queue.

The row is committed before the job is queued, so a worker never picks up a
job whose submission it cannot see; if Redis is down the row stays ``queued``
and recovery queues it later. Nothing is lost either way.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from grader import announce, queue
from grader.config import Settings
from grader.errors import BadInput
from grader.store import repo
from grader.store.db import session_scope
from grader.store.models import FINAL, SubmissionRow

SHA = frozenset("0123456789abcdef")


def create(
    session: Session,
    *,
    challenge_id: str,
    repo_url: str,
    ref: str | None,
    candidate_email: str | None = None,
    invitation_id: str | None = None,
    commit: str | None = None,
    submitted_by: int | None = None,
) -> SubmissionRow:
    challenge = repo.get_challenge(session, challenge_id)
    if challenge is None:
        raise BadInput(f"unknown challenge {challenge_id!r}")
    if commit is None and ref and len(ref) == 40 and set(ref) <= SHA:
        commit = ref  # a full SHA names the commit: the grading can be deduplicated early
    return repo.create_submission(
        session,
        challenge=challenge,
        repo=repo_url,
        ref=ref,
        candidate_email=candidate_email,
        invitation_id=invitation_id,
        commit=commit,
        submitted_by=submitted_by,
    )


def queue_after_commit(session: Session, settings: Settings, submission: SubmissionRow) -> bool:
    """Commit the submission, then queue it; False if it waits for recovery instead."""
    session.commit()
    return queue.enqueue(settings, submission.id, timeout_s=settings.max_job_timeout_s)


def wait_until_final(settings: Settings, submission_id: str, wait_s: float) -> bool:
    """Block until the submission's status is final, at most ``wait_s`` (grader.announce)."""

    def final() -> bool:
        with session_scope(settings.effective_database_url) as session:
            row = repo.get_submission(session, submission_id)
            return row is not None and row.status in FINAL

    return announce.wait_until(settings, submission_id, final, wait_s)
