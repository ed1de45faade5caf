"""The similarity tables: each graded submission's fingerprints, and what they matched.

The worker (grader/similarities.py) stores a graded submission's fingerprints
(``save_fingerprints``) and the report of its comparison with the others
(``save_result``); it rebuilds a challenge's index from ``owners`` and
``fingerprints_of``. The API and pages read ``result_of`` and ``mentioning``
(the later submissions whose comparison named this one). Stored JSON is
returned as it is: grader.similarity reads it back and checks its scheme.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.store.models import (
    FingerprintsRow,
    SimilarityRow,
    SubmissionRow,
    SubmissionStatus,
)


@dataclass(frozen=True)
class Stored:
    """A stored comparison: whose, with what threshold, the report."""

    submission_id: str
    threshold: float
    report: dict[str, Any]


def save_fingerprints(
    session: Session, submission_id: str, challenge_id: str, scheme: int, data: dict[str, Any]
) -> None:
    """Store (or replace) a submission's fingerprints."""
    _upsert(
        session,
        FingerprintsRow,
        submission_id,
        challenge_id=challenge_id,
        scheme=scheme,
        fingerprints=data,
    )


def owners(session: Session, challenge_id: str, scheme: int) -> dict[str, str]:
    """Submission id -> its candidate (or, without one, its repository), for every graded
    submission of the challenge whose fingerprints use this scheme."""
    query = (
        select(FingerprintsRow.submission_id, SubmissionRow.candidate_email, SubmissionRow.repo)
        .join(SubmissionRow, SubmissionRow.id == FingerprintsRow.submission_id)
        .where(
            FingerprintsRow.challenge_id == challenge_id,
            FingerprintsRow.scheme == scheme,
            SubmissionRow.status == SubmissionStatus.GRADED,
        )
    )
    return {sid: owner_key(email, repo) for sid, email, repo in session.execute(query)}


def owner_key(candidate_email: str | None, repo: str) -> str:
    """Whose work a submission is: its candidate, else its repository."""
    return candidate_email or f"repo:{repo}"


def fingerprints_of(session: Session, submission_ids: Collection[str]) -> dict[str, Any]:
    """Submission id -> its stored fingerprints' JSON, for those of the ids that have some."""
    if not submission_ids:
        return {}
    query = select(FingerprintsRow.submission_id, FingerprintsRow.fingerprints).where(
        FingerprintsRow.submission_id.in_(list(submission_ids))
    )
    return {sid: data for sid, data in session.execute(query)}


def save_result(
    session: Session,
    submission_id: str,
    challenge_id: str,
    threshold: float,
    report: dict[str, Any],
) -> None:
    """Store (or replace) what a submission's comparison found."""
    _upsert(
        session,
        SimilarityRow,
        submission_id,
        challenge_id=challenge_id,
        threshold=threshold,
        report=report,
    )


def result_of(session: Session, submission_id: str) -> Stored | None:
    row = session.get(SimilarityRow, submission_id)
    return None if row is None else Stored(row.submission_id, row.threshold, row.report)


def mentioning(session: Session, challenge_id: str, submission_id: str) -> list[Stored]:
    """The challenge's stored comparisons that found this submission (the later ones, since
    a comparison is made when its submission is graded)."""
    query = select(SimilarityRow).where(
        SimilarityRow.challenge_id == challenge_id, SimilarityRow.submission_id != submission_id
    )
    # The reports are small (at most max_results matches each): filtering here keeps the
    # query the same on SQLite and PostgreSQL, whose JSON operators differ.
    return [
        Stored(row.submission_id, row.threshold, row.report)
        for row in session.scalars(query)
        if any(
            isinstance(m, dict) and m.get("other") == submission_id
            for m in row.report.get("submissions") or []
        )
    ]


def _upsert(
    session: Session,
    model: type[FingerprintsRow | SimilarityRow],
    submission_id: str,
    **values: Any,
) -> None:
    """The submission's row of ``model`` with these values, added or updated."""
    row = session.get(model, submission_id)
    if row is None:
        session.add(model(submission_id=submission_id, **values))
        return
    for name, value in values.items():
        setattr(row, name, value)


def results_for_challenge(session: Session, challenge_id: str) -> list[Stored]:
    """Every stored comparison of the challenge's submissions that are graded now."""
    query = (
        select(SimilarityRow)
        .join(SubmissionRow, SubmissionRow.id == SimilarityRow.submission_id)
        .where(
            SimilarityRow.challenge_id == challenge_id,
            SubmissionRow.status == SubmissionStatus.GRADED,
        )
        .order_by(SimilarityRow.submission_id)
    )
    return [Stored(row.submission_id, row.threshold, row.report) for row in session.scalars(query)]
