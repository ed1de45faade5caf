"""word-frequency and its graded submissions put in a database as a worker leaves them.

For the tests that need stored gradings without Docker: ``store_word_frequency``
registers the catalogue's challenge at a version (as ``grader challenges add``
does, with no image); ``store_graded`` creates a submission, claims it and
finishes it with a report, the store calls a grading job makes; ``compare`` then
records its ``wordfreq.py`` in a similarity index as the worker's similarity step does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from grader.config import PROJECT_ROOT
from grader.similarities import Indexes
from grader.similarity import Fingerprints, Report
from grader.store import repo

CHALLENGE = "word-frequency"
WORD_FREQUENCY = PROJECT_ROOT / "challenges" / CHALLENGE
PROGRAMMING = ({"name": "programming", "weight": 1},)


def store_word_frequency(
    session: Session,
    *,
    version: str = "v1",
    commit: str | None = None,
    skills: Sequence[dict[str, Any]] = PROGRAMMING,
) -> None:
    repo.upsert_challenge(
        session,
        challenge_id=CHALLENGE,
        title="Word frequency",
        language="python",
        source=str(WORD_FREQUENCY),
        version=version,
        commit=commit,
        root=str(WORD_FREQUENCY),
        skills=list(skills),
        test_count=11,
    )


def store_graded(
    session: Session,
    email: str,
    repo_url: str,
    *,
    report: dict[str, Any] | None = None,
    status: str = "graded",
    overall: float = 90.0,
    commit: str = "c" * 40,
) -> str:
    """The id of a submission of word-frequency by ``email``, graded with ``report``."""
    challenge = repo.get_challenge(session, CHALLENGE)
    assert challenge is not None, "store_word_frequency first"
    row = repo.create_submission(
        session, challenge=challenge, repo=repo_url, ref="main", candidate_email=email
    )
    repo.claim(session, row.id, "test-worker", 600)
    repo.finish(
        session,
        row.id,
        status=status,
        overall=overall,
        report=report or {},
        artifacts=None,
        commit=commit,
        dedupe_key=None,
    )
    return row.id


def compare(session: Session, indexes: Indexes, submission_id: str, code: str) -> Report:
    """Record ``{"wordfreq.py": code}`` as the submission's tree and compare it (v1)."""
    return indexes.record(
        session,
        submission_id,
        challenge_id=CHALLENGE,
        version="v1",
        root=WORD_FREQUENCY,
        fingerprints=Fingerprints.from_tree({"wordfreq.py": code}),
    )
