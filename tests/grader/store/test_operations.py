"""The operations page's queries: counts by status, who grades what, infrastructure failures."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from grader.store import operations, repo
from grader.store.db import migrate, session_scope
from grader.store.models import SubmissionEventRow


def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'grader.db'}"
    migrate(url)
    with session_scope(url) as session:
        repo.upsert_challenge(
            session,
            challenge_id="c",
            title="C",
            language="python",
            source="/nowhere",
            version="v1",
            commit="0" * 40,
            root="/nowhere",
            skills=[],
            test_count=0,
        )
    return url


def submit(url: str, name: str) -> str:
    with session_scope(url) as session:
        challenge = repo.get_challenge(session, "c")
        row = repo.create_submission(
            session, challenge=challenge, repo=f"https://example.com/{name}.git", ref="main"
        )
        return row.id


def test_status_counts_name_every_status(tmp_path: Path) -> None:
    url = database(tmp_path)
    first, _second = submit(url, "a"), submit(url, "b")
    with session_scope(url) as session:
        assert operations.status_counts(session)["queued"] == 2
        repo.claim(session, first, "host:1", 600)
    with session_scope(url) as session:
        counts = operations.status_counts(session)
    assert counts == {"queued": 1, "running": 1, "graded": 0, "tampered": 0, "error": 0, "held": 0}


def test_running_by_worker_maps_a_worker_to_its_submission(tmp_path: Path) -> None:
    url = database(tmp_path)
    running, _queued = submit(url, "a"), submit(url, "b")
    with session_scope(url) as session:
        repo.claim(session, running, "host:42", 600)
    with session_scope(url) as session:
        assert operations.running_by_worker(session) == {"host:42": running}


def test_infrastructure_failures_newest_first_and_bounded(tmp_path: Path) -> None:
    url = database(tmp_path)
    ids = [submit(url, f"s{n}") for n in range(4)]
    with session_scope(url) as session:
        for n, submission in enumerate(ids):
            repo.claim(session, submission, "host:1", 600)
            repo.release(session, submission, f"infrastructure failure, retrying: boom {n}")
        # Other details, even ones that mention a failure, are not infrastructure failures.
        repo.claim(session, ids[0], "host:1", 600)
        repo.fail(session, ids[0], "cannot grade: an infrastructure failure of the candidate's")
    with session_scope(url) as session:  # the one of s1 happened a day earlier
        older = session.scalars(
            select(SubmissionEventRow).where(SubmissionEventRow.detail.endswith("boom 1"))
        ).one()
        older.at -= timedelta(days=1)
    with session_scope(url) as session:
        found = operations.infrastructure_failures(session, limit=3)
        details = [event.detail.rsplit(" ", 1)[-1] for event in found]
        assert details == ["3", "2", "0"]
        assert [event.submission_id for event in found] == [ids[3], ids[2], ids[0]]
        assert len(operations.infrastructure_failures(session)) == 4
