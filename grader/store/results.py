"""A challenge's results: one row per submission, with the skill scores of its report.

What the exports (CSV, JSON) and the reviewer pages show. Only the report's
``skills`` are read from the database, never whole reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.store import repo
from grader.store.models import ReportRow, SubmissionRow
from grader.timestamps import utc

MAX_ROWS = 5000


@dataclass(frozen=True)
class Result:
    submission: str
    candidate: str | None
    repo: str
    status: str
    overall: float | None
    skills: dict[str, float]
    commit: str | None
    submitted_at: datetime
    graded_at: datetime | None


def challenge_results(session: Session, challenge_id: str, limit: int = MAX_ROWS) -> list[Result]:
    """Every submission of a challenge, newest first, with its skill scores when graded."""
    query = (
        select(SubmissionRow, ReportRow.report["skills"], ReportRow.created_at)
        .outerjoin(ReportRow, ReportRow.submission_id == SubmissionRow.id)
        .where(SubmissionRow.challenge_id == challenge_id)
        .order_by(SubmissionRow.created_at.desc(), SubmissionRow.id.desc())
        .limit(limit)
    )
    return [_result(row, skills, graded) for row, skills, graded in session.execute(query)]


def _result(row: SubmissionRow, skills: Any, graded_at: datetime | None) -> Result:
    scores = {
        name: float(skill["score"])
        for name, skill in (skills or {}).items()
        if isinstance(skill, dict) and isinstance(skill.get("score"), int | float)
    }
    return Result(
        submission=row.id,
        candidate=row.candidate_email,
        repo=row.repo,
        status=row.status,
        overall=row.overall,
        skills=scores,
        commit=row.commit,
        submitted_at=utc(row.created_at),
        graded_at=utc(graded_at) if graded_at else None,
    )


def skill_names(session: Session, challenge_id: str, results: list[Result]) -> list[str]:
    """The challenge's skills in manifest order, then any other a report scored."""
    names: list[str] = []
    challenge = repo.get_challenge(session, challenge_id)
    version = (
        repo.challenge_version(session, challenge_id, challenge.current_version)
        if challenge
        else None
    )
    for skill in version.skills if version else []:
        if isinstance(skill, dict) and isinstance(skill.get("name"), str):
            names.append(skill["name"])
    for result in results:
        names += [name for name in result.skills if name not in names]
    return names


def same_code_attempt(
    session: Session, row: SubmissionRow, tree: str | None
) -> tuple[int, SubmissionRow] | None:
    """The first earlier attempt of the same invitation graded with the same git tree, with
    its attempt number (1 = the invitation's first submission); None if there is none."""
    if not tree or not row.invitation_id:
        return None
    query = (
        select(SubmissionRow, ReportRow.report["submission"])
        .outerjoin(ReportRow, ReportRow.submission_id == SubmissionRow.id)
        .where(SubmissionRow.invitation_id == row.invitation_id)
        .order_by(SubmissionRow.created_at, SubmissionRow.id)
    )
    for number, (attempt, graded) in enumerate(session.execute(query).all(), start=1):
        if attempt.id == row.id:
            return None
        if isinstance(graded, dict) and graded.get("tree") == tree:
            return number, attempt
    return None
