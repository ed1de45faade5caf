"""The repository functions against a real database, SQLite and PostgreSQL alike: tokens,
a submission's states, listing, stale leases and the status history.

Claiming under contention is in test_repo_claims.py, stored reports in test_repo_reports.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from grader.store import repo
from grader.store.db import engine_for, session_scope
from grader.store.models import SubmissionRow
from tests.store.repo_fixtures import T0, add_challenge, aware, finish, statuses, submit


# -- tokens --------------------------------------------------------------------
def test_a_token_is_stored_as_its_hash_only(db_url: str) -> None:
    with session_scope(db_url) as session:
        secret, row = repo.create_token(session, "reviewer", "ci", candidate_email=None)
        token_id = row.id
    assert secret.startswith("grd_") and len(secret) > 40
    with engine_for(db_url).connect() as connection:
        stored = connection.execute(text("SELECT * FROM tokens")).mappings().one()
    assert stored["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert all(secret not in str(value) for value in stored.values())
    with session_scope(db_url) as session:
        found = repo.token_for_secret(session, secret)
        assert found is not None and (found.id, found.role) == (token_id, "reviewer")
        assert repo.token_for_secret(session, secret + "x") is None
        assert repo.token_for_secret(session, stored["token_hash"]) is None


def test_a_revoked_token_is_not_found_and_roles_are_checked(db_url: str) -> None:
    with session_scope(db_url) as session:
        secret, row = repo.create_token(session, "candidate", candidate_email="c@example.com")
        row.revoked = True
    with session_scope(db_url) as session:
        assert repo.token_for_secret(session, secret) is None
        with pytest.raises(ValueError, match="unknown role"):
            repo.create_token(session, "root")


def test_two_tokens_never_share_a_secret(db_url: str) -> None:
    with session_scope(db_url) as session:
        secrets = {repo.create_token(session, "admin")[0] for _ in range(20)}
    assert len(secrets) == 20


# -- state transitions --------------------------------------------------------------
def test_release_gives_a_running_submission_back_to_the_queue(db_url: str) -> None:
    submission_id = submit(db_url)
    with session_scope(db_url) as session:
        repo.release(session, submission_id, "not running: nothing to do")
        assert repo.claim(session, submission_id, "w:1", lease_s=60)
    with session_scope(db_url) as session:
        repo.release(session, submission_id, "infrastructure failure, retrying: docker")
    with session_scope(db_url) as session:
        row = repo.get_submission(session, submission_id)
        assert row is not None
        assert (row.status, row.worker, row.lease_until, row.attempts) == ("queued", None, None, 1)
        assert repo.claim(session, submission_id, "w:2", lease_s=60)
    with session_scope(db_url) as session:
        row = repo.get_submission(session, submission_id)
        assert row is not None and (row.status, row.attempts) == ("running", 2)
    assert statuses(db_url, submission_id) == [
        ("queued", "submitted"),
        ("running", "claimed by w:1"),
        ("queued", "infrastructure failure, retrying: docker"),
        ("running", "claimed by w:2"),
    ]


def test_finish_stores_one_report_and_ends_the_lease(db_url: str) -> None:
    submission_id = submit(db_url)
    with session_scope(db_url) as session:
        repo.claim(session, submission_id, "w:1", lease_s=60)
    with session_scope(db_url) as session:
        finish(session, submission_id, key="v1:ccc:0.1.0")
    with session_scope(db_url) as session:
        row = repo.get_submission(session, submission_id)
        report = repo.report_of(session, submission_id)
        assert row is not None and report is not None
        assert (row.status, row.overall, row.lease_until, row.error) == ("graded", 75.0, None, None)
        assert (row.commit, row.dedupe_key) == ("c" * 40, "v1:ccc:0.1.0")
        assert (report.status, report.overall, report.report["status"]) == (
            "graded",
            75.0,
            "graded",
        )
        assert report.artifacts == {"artifacts": {"exit_code": 0}}
    assert [s for s, _d in statuses(db_url, submission_id)] == ["queued", "running", "graded"]


def test_fail_ends_in_error_once_and_never_overrides_a_final_status(db_url: str) -> None:
    failing, graded = submit(db_url), submit(db_url)
    with session_scope(db_url) as session:
        repo.claim(session, failing, "w:1", lease_s=60)
        repo.claim(session, graded, "w:1", lease_s=60)
    with session_scope(db_url) as session:
        repo.fail(session, failing, "cannot grade: repository not found")
        finish(session, graded)
    with session_scope(db_url) as session:
        repo.fail(session, failing, "a second failure")
        repo.fail(session, graded, "too late")
        repo.release(session, graded, "too late as well")
    with session_scope(db_url) as session:
        row = repo.get_submission(session, failing)
        assert row is not None and row.lease_until is None
        assert (row.status, row.error) == ("error", "cannot grade: repository not found")
        done = repo.get_submission(session, graded)
        assert done is not None and (done.status, done.error) == ("graded", None)
    assert statuses(db_url, failing)[-1] == ("error", "cannot grade: repository not found")
    assert [s for s, _d in statuses(db_url, failing)] == ["queued", "running", "error"]
    assert [s for s, _d in statuses(db_url, graded)] == ["queued", "running", "graded"]


def test_requeue_puts_a_stale_submission_back(db_url: str) -> None:
    submission_id = submit(db_url)
    with session_scope(db_url) as session:
        repo.claim(session, submission_id, "dead-host:9", lease_s=60)
    with session_scope(db_url) as session:
        row = repo.get_submission(session, submission_id)
        assert row is not None
        repo.requeue(session, row, "recovered: the worker's lease expired")
    with session_scope(db_url) as session:
        row = repo.get_submission(session, submission_id)
        assert row is not None and (row.status, row.worker, row.lease_until) == (
            "queued",
            None,
            None,
        )
    assert statuses(db_url, submission_id)[-1] == (
        "queued",
        "recovered: the worker's lease expired",
    )


# -- listing ---------------------------------------------------------------------
def _set_created(url: str, submission_id: str, moment: datetime) -> None:
    with session_scope(url) as session:
        session.execute(
            update(SubmissionRow).where(SubmissionRow.id == submission_id).values(created_at=moment)
        )


def test_list_filters_and_puts_the_newest_first(db_url: str) -> None:
    with session_scope(db_url) as session:
        add_challenge(session, "word-frequency")
        add_challenge(session, "todo-api")
    made: dict[str, str] = {}
    for minute, (challenge, email) in enumerate(
        [
            ("word-frequency", "a@example.com"),
            ("todo-api", "a@example.com"),
            ("word-frequency", "b@example.com"),
            ("word-frequency", "a@example.com"),
        ]
    ):
        sid = submit(db_url, challenge_id=challenge, candidate_email=email)
        _set_created(db_url, sid, T0 + timedelta(minutes=[3, 1, 0, 2][minute]))
        made[f"{challenge}/{email}/{minute}"] = sid
    with session_scope(db_url) as session:
        everything = [r.id for r in repo.list_submissions(session)]
        by_challenge = [r.id for r in repo.list_submissions(session, challenge_id="todo-api")]
        by_email = [r.id for r in repo.list_submissions(session, candidate_email="a@example.com")]
        both = repo.list_submissions(
            session, challenge_id="word-frequency", candidate_email="a@example.com", limit=1
        )
    assert everything == [
        made["word-frequency/a@example.com/0"],
        made["word-frequency/a@example.com/3"],
        made["todo-api/a@example.com/1"],
        made["word-frequency/b@example.com/2"],
    ]
    assert by_challenge == [made["todo-api/a@example.com/1"]]
    assert by_email == [everything[0], everything[1], everything[2]]
    assert [r.id for r in both] == [made["word-frequency/a@example.com/0"]]


def test_equal_creation_times_are_ordered_by_id(db_url: str) -> None:
    ids = [submit(db_url) for _ in range(4)]
    for sid in ids:
        _set_created(db_url, sid, T0)
    with session_scope(db_url) as session:
        listed = [r.id for r in repo.list_submissions(session)]
    assert listed == sorted(ids, reverse=True)


# -- stale -------------------------------------------------------------------------
def _force(url: str, submission_id: str, **values: Any) -> None:
    with session_scope(url) as session:
        session.execute(
            update(SubmissionRow).where(SubmissionRow.id == submission_id).values(**values)
        )


def test_stale_finds_expired_leases_and_old_queued_submissions(db_url: str) -> None:
    now = datetime.now(UTC)
    expired, leased, old_queued, new_queued, done = (submit(db_url) for _ in range(5))
    _force(db_url, expired, status="running", lease_until=now - timedelta(seconds=1))
    _force(db_url, leased, status="running", lease_until=now + timedelta(minutes=5))
    _force(db_url, old_queued, updated_at=now - timedelta(minutes=10))
    _force(db_url, new_queued, updated_at=now)
    _force(db_url, done, status="graded", updated_at=now - timedelta(hours=1))
    with session_scope(db_url) as session:
        found = repo.stale(session, now, queued_older_than=now - timedelta(minutes=1))
        assert [row.id for row in found] == [expired, old_queued]
        assert repo.stale(session, now - timedelta(hours=2), now - timedelta(hours=2)) == []


def test_the_status_history_is_in_order_and_complete(db_url: str) -> None:
    """Every change of status leaves one row, in the order it happened."""
    submission_id = submit(db_url)
    steps: list[Callable[[Session], object]] = [
        lambda s: repo.claim(s, submission_id, "w:1", lease_s=1),
        lambda s: repo.release(s, submission_id, "retry"),
        lambda s: repo.claim(s, submission_id, "w:2", lease_s=1),
        lambda s: finish(s, submission_id),
    ]
    for step in steps:
        with session_scope(db_url) as session:
            step(session)
    with session_scope(db_url) as session:
        events = repo.events_of(session, submission_id)
        row = session.scalar(select(SubmissionRow).where(SubmissionRow.id == submission_id))
        assert row is not None and row.status == events[-1].status
    assert [e.status for e in events] == ["queued", "running", "queued", "running", "graded"]
    moments = [aware(e.at) for e in events]
    assert moments == sorted(moments)  # type: ignore[type-var]
