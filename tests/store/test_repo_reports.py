"""A submission's stored report against a real database, SQLite and PostgreSQL alike: the
first finished report is the one kept and found again by its dedupe key, and a replaced
report keeps its artifacts and records the change."""

from __future__ import annotations

import time

import pytest

from grader.store import repo
from grader.store.db import session_scope
from tests.store.repo_fixtures import finish, statuses, submit


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
