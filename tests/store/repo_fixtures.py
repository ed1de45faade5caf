"""Rows for the repository tests: a challenge, submissions of it, their reports and events.

Shared by the tests of grader/store/repo.py (tests/store/test_repo*.py) and by the
other storage and queue tests that need a submission in a database of either kind.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from grader.store import repo
from grader.store.db import session_scope
from grader.store.models import ChallengeRow

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def aware(moment: datetime | None) -> datetime | None:
    """SQLite gives naive UTC datetimes back, PostgreSQL aware ones: compare them as aware."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def add_challenge(session: Session, challenge_id: str = "word-frequency") -> ChallengeRow:
    return repo.upsert_challenge(
        session,
        challenge_id=challenge_id,
        title=challenge_id.title(),
        language="python",
        source=f"/challenges/{challenge_id}",
        version="v1",
        commit=None,
        root=f"/challenges/{challenge_id}",
        skills=[{"name": "programming", "weight": 1}],
        test_count=3,
    )


def submit(url: str, **fields: Any) -> str:
    with session_scope(url) as session:
        challenge = repo.get_challenge(session, fields.pop("challenge_id", "word-frequency"))
        challenge = challenge or add_challenge(session)
        repo_url = fields.pop("repo_url", "/repos/a.git")
        row = repo.create_submission(
            session, challenge=challenge, repo=repo_url, ref="main", **fields
        )
        return row.id


def statuses(url: str, submission_id: str) -> list[tuple[str, str]]:
    with session_scope(url) as session:
        return [(e.status, e.detail) for e in repo.events_of(session, submission_id)]


def finish(session: Session, submission_id: str, status: str = "graded", key: str = "k") -> None:
    repo.finish(
        session,
        submission_id,
        status=status,
        overall=75.0,
        report={"overall": 75.0, "status": status},
        artifacts={"artifacts": {"exit_code": 0}},
        commit="c" * 40,
        dedupe_key=key,
    )
