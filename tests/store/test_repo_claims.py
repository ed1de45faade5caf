"""Claiming a submission against a real database, SQLite and PostgreSQL alike: once, and
with one winner when threads or processes race for it."""

from __future__ import annotations

import multiprocessing
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from grader.store import repo
from grader.store.db import session_scope
from tests.store.repo_fixtures import aware, statuses, submit


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
