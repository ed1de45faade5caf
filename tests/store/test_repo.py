"""The repository functions against a real database, SQLite and PostgreSQL alike."""

from __future__ import annotations

import hashlib
import multiprocessing
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from grader.store import repo
from grader.store.db import engine_for, session_scope
from grader.store.models import ChallengeRow, SubmissionRow

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


# -- claim -----------------------------------------------------------------------
def test_claim_moves_queued_to_running_once(db_url: str) -> None:
    submission_id = submit(db_url)
    with session_scope(db_url) as session:
        assert repo.claim(session, submission_id, "host-a:1", lease_s=60)
    with session_scope(db_url) as session:
        assert not repo.claim(session, submission_id, "host-b:2", lease_s=60)
        row = repo.get_submission(session, submission_id)
        assert row is not None
        assert (row.status, row.worker, row.attempts) == ("running", "host-a:1", 1)
        lease = aware(row.lease_until)
        assert lease is not None and lease > datetime.now(UTC) + timedelta(seconds=30)
    assert statuses(db_url, submission_id) == [
        ("queued", "submitted"),
        ("running", "claimed by host-a:1"),
    ]


def _claim_holding_the_transaction(url: str, submission_id: str, worker: str) -> bool:
    """Claim, then keep the transaction open a moment so that the other claimer overlaps."""
    with session_scope(url) as session:
        won = repo.claim(session, submission_id, worker, lease_s=60)
        time.sleep(0.2)
    return won


def _claim_in_threads(url: str, submission_id: str) -> dict[str, bool | BaseException]:
    start = threading.Barrier(2)
    results: dict[str, bool | BaseException] = {}

    def claimer(name: str) -> None:
        start.wait()
        try:
            results[name] = _claim_holding_the_transaction(url, submission_id, name)
        except BaseException as exc:  # reported by the caller's assertion
            results[name] = exc

    threads = [threading.Thread(target=claimer, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_threads_claiming_the_same_submission_have_one_winner(db_url: str) -> None:
    for _round in range(3):
        submission_id = submit(db_url)
        results = _claim_in_threads(db_url, submission_id)
        assert sorted(results.values(), key=str) == [False, True], results
        assert [s for s, _d in statuses(db_url, submission_id)] == ["queued", "running"]


def _claim_in_a_process(url: str, ids: list[str], worker: str, start: Any, out: Any) -> None:
    for submission_id in ids:
        start.wait()
        try:
            won: bool | str = _claim_holding_the_transaction(url, submission_id, worker)
        except Exception as exc:
            won = f"{type(exc).__name__}: {exc}"
        out.put((submission_id, worker, won))


def test_two_processes_claiming_the_same_submission_have_one_winner(db_url: str) -> None:
    context = multiprocessing.get_context("spawn")  # nothing shared: as two worker hosts
    ids = [submit(db_url) for _ in range(4)]
    start, out = context.Barrier(2), context.Queue()
    processes = [
        context.Process(target=_claim_in_a_process, args=(db_url, ids, f"p{i}", start, out))
        for i in range(2)
    ]
    for process in processes:
        process.start()
    results: dict[str, dict[str, bool | str]] = {sid: {} for sid in ids}
    for _ in range(2 * len(ids)):
        submission_id, worker, won = out.get(timeout=120)
        results[submission_id][worker] = won
    for process in processes:
        process.join(timeout=30)
    with session_scope(db_url) as session:
        for submission_id, outcome in results.items():
            assert sorted(outcome.values(), key=str) == [False, True], outcome
            row = repo.get_submission(session, submission_id)
            assert row is not None and row.attempts == 1
            assert row.worker == next(w for w, won in outcome.items() if won is True)


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


# -- dedupe ------------------------------------------------------------------------
def test_graded_with_key_finds_the_first_finished_report_and_ignores_errors(db_url: str) -> None:
    errored, first, second, other = (submit(db_url) for _ in range(4))
    with session_scope(db_url) as session:
        assert repo.graded_with_key(session, "v1:abc:0.1.0") is None
        finish(session, errored, status="error", key="v1:abc:0.1.0")
    with session_scope(db_url) as session:
        assert repo.graded_with_key(session, "v1:abc:0.1.0") is None
        finish(session, first, status="tampered", key="v1:abc:0.1.0")
    time.sleep(0.01)
    with session_scope(db_url) as session:
        finish(session, second, key="v1:abc:0.1.0")
        finish(session, other, key="v1:def:0.1.0")
    with session_scope(db_url) as session:
        found = repo.graded_with_key(session, "v1:abc:0.1.0")
        assert found is not None and (found.submission_id, found.status) == (first, "tampered")
        assert repo.graded_with_key(session, "v2:abc:0.1.0") is None


def test_finishing_twice_keeps_the_first_report(db_url: str) -> None:
    submission_id = submit(db_url)
    with session_scope(db_url) as session:
        finish(session, submission_id)
    with session_scope(db_url) as session:
        repo.finish(
            session,
            submission_id,
            status="graded",
            overall=10.0,
            report={"overall": 10.0},
            artifacts=None,
            commit="d" * 40,
            dedupe_key="k",
        )
    with session_scope(db_url) as session:
        report = repo.report_of(session, submission_id)
        assert report is not None and report.overall == 75.0


def test_replacing_a_report_keeps_its_artifacts_and_records_the_change(db_url: str) -> None:
    submission_id = submit(db_url)
    with session_scope(db_url) as session:
        finish(session, submission_id)
    with session_scope(db_url) as session:
        repo.replace_report(
            session,
            submission_id,
            status="tampered",
            overall=0.0,
            report={"overall": 0.0, "status": "tampered"},
            detail="re-scored",
        )
    with session_scope(db_url) as session:
        report = repo.report_of(session, submission_id)
        submission = repo.get_submission(session, submission_id)
        assert report is not None and submission is not None
        assert (report.status, report.overall, report.report["status"]) == (
            "tampered",
            0.0,
            "tampered",
        )
        assert report.artifacts == {"artifacts": {"exit_code": 0}}
        assert (submission.status, submission.overall) == ("tampered", 0.0)
    assert statuses(db_url, submission_id)[-1] == ("tampered", "re-scored")
    queued = submit(db_url)
    with session_scope(db_url) as session, pytest.raises(ValueError, match="no report"):
        repo.replace_report(session, queued, status="graded", overall=1.0, report={}, detail="")


# -- pushes ------------------------------------------------------------------------
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
