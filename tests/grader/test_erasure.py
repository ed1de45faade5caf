"""Erasing a candidate end to end: the database, their hosted repositories on disk, their
jobs in Redis, a grading that finishes after the erasure, and a retention round."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from redis import Redis
from rq.job import Job
from sqlalchemy import select

from grader import erasure, queue, retention
from grader.catalogue import register_challenge
from grader.challenge import load_challenge
from grader.config import Settings, get_settings
from grader.hosting.invitations import invite
from grader.hosting.repositories import repository_path
from grader.jobs import ERASED, GradingService, _Job
from grader.store import erasure as store
from grader.store import repo
from grader.store.db import migrate, session_scope
from grader.store.models import AuditRow, InvitationRow, SubmissionRow, utcnow
from tests.conftest import WORD_FREQUENCY
from tests.support.services import redis_server


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Settings]:
    """A data folder, a SQLite database, a Redis server and word-frequency registered."""
    with redis_server(tmp_path / "redis") as server:
        settings = get_settings().model_copy(
            update={
                "data_dir": tmp_path / "data",
                "database_url": "",
                "redis_url": server.url,
                "public_url": "http://testserver",
            }
        )
        migrate(settings.effective_database_url)
        challenge = load_challenge(WORD_FREQUENCY)
        register_challenge(settings.effective_database_url, challenge, str(WORD_FREQUENCY), 0)
        yield settings


def invited(settings: Settings, email: str) -> dict[str, Any]:
    """An invitation (with its seeded repository) and a queued submission of it."""
    made = invite(settings, "word-frequency", email, actor="test")
    with session_scope(settings.effective_database_url) as session:
        challenge = repo.get_challenge(session, "word-frequency")
        assert challenge is not None
        row = repo.create_submission(
            session,
            challenge=challenge,
            repo=made["clone_url"],
            ref="main",
            candidate_email=email,
            invitation_id=made["id"],
        )
        made["submission"] = row.id
    assert queue.enqueue(settings, row.id, timeout_s=60)
    return made


def job_exists(settings: Settings, submission_id: str) -> bool:
    return Job.exists(queue.job_id(submission_id), connection=Redis.from_url(settings.redis_url))


def test_erasure_removes_the_repository_and_the_job_and_keeps_the_others(
    deployment: Settings,
) -> None:
    ann, bob = invited(deployment, "ann@example.com"), invited(deployment, "bob@example.com")
    assert repository_path(deployment, ann["id"]).is_dir()

    done = erasure.erase(deployment, "ann@example.com", "cli")

    assert done.counts["repositories"] == 1 and done.counts["queue_jobs"] == 1
    assert done.counts["submissions"] == 1 and done.counts["invitations"] == 1
    assert not repository_path(deployment, ann["id"]).exists()
    assert not job_exists(deployment, ann["submission"])
    assert repository_path(deployment, bob["id"]).is_dir()  # bob's is untouched
    assert job_exists(deployment, bob["submission"])
    with session_scope(deployment.effective_database_url) as session:
        assert [r.candidate_email for r in session.scalars(select(InvitationRow))] == [
            "bob@example.com"
        ]
        assert repo.get_challenge(session, "word-frequency") is not None
    files = [p.name for p in (deployment.data_dir / "repos").iterdir()]
    assert files == [f"{bob['id']}.git"]


def test_an_erasure_interrupted_after_its_rows_is_finished_on_disk(deployment: Settings) -> None:
    ann = invited(deployment, "ann@example.com")
    with session_scope(deployment.effective_database_url) as session:
        erasure_id = store.begin(session, "ann@example.com", "cli", "request").id
    with session_scope(deployment.effective_database_url) as session:
        store.erase_rows(session, erasure_id, "ann@example.com")
    # The process died here: the rows are gone, the repository is still on disk.
    assert repository_path(deployment, ann["id"]).is_dir()
    assert erasure.finish_files(deployment) == [erasure_id]
    assert not repository_path(deployment, ann["id"]).exists()
    assert not job_exists(deployment, ann["submission"])
    with session_scope(deployment.effective_database_url) as session:
        record = store.get(session, erasure_id)
        assert record is not None and record.state == store.State.DONE
        assert record.counts["repositories"] == 1
    assert erasure.finish_files(deployment) == []


def test_a_grading_that_ends_after_the_erasure_stores_nothing(deployment: Settings) -> None:
    ann = invited(deployment, "ann@example.com")
    with session_scope(deployment.effective_database_url) as session:
        assert repo.claim(session, ann["submission"], "worker", 600)  # being graded
    erasure.erase(deployment, "ann@example.com", "cli")
    report = SimpleNamespace(
        status="graded",
        overall=90.0,
        to_dict=lambda: {"overall": 90.0},
        submission=SimpleNamespace(commit="c" * 40),
    )
    grading = SimpleNamespace(report=report, artifacts=None, tripwires=[], fingerprints=None)
    job = _Job(ann["submission"], ann["clone_url"], "main", None, ann["id"], "/x", None, "v1")
    assert job.handle_graded(GradingService(deployment), grading) == ERASED
    with session_scope(deployment.effective_database_url) as session:
        assert session.scalars(select(SubmissionRow)).all() == []


def test_a_retention_round_erases_the_inactive_candidates_only(deployment: Settings) -> None:
    ann, bob = invited(deployment, "ann@example.com"), invited(deployment, "bob@example.com")
    settings = deployment.model_copy(update={"retention_days": 30})
    with session_scope(settings.effective_database_url) as session:
        for model in (InvitationRow, SubmissionRow):
            ann_rows = select(model).where(model.candidate_email == "ann@example.com")
            for row in session.scalars(ann_rows):
                row.created_at = utcnow() - timedelta(days=31)
        # ann's grading is over; bob's is still queued (he is never due while it is).
        session.get(SubmissionRow, ann["submission"]).status = "graded"  # type: ignore[union-attr]

    dry = retention.run(settings, dry_run=True)
    assert dry.due == ["ann@example.com"] and dry.erased == []
    assert repository_path(settings, ann["id"]).is_dir()

    assert retention.run_periodically(settings) is not None
    assert not repository_path(settings, ann["id"]).exists()
    assert repository_path(settings, bob["id"]).is_dir()
    assert retention.run_periodically(settings) is None  # one round an hour, whoever asks
    with session_scope(settings.effective_database_url) as session:
        actors = [a.actor for a in session.scalars(select(AuditRow)) if a.action == store.ACTION]
    assert actors == [retention.ACTOR]


def test_retention_is_off_by_default(deployment: Settings) -> None:
    assert deployment.retention_days == 0
    assert retention.run_periodically(deployment) is None
    with pytest.raises(ValueError, match="GRADER_RETENTION_DAYS"):
        retention.run(deployment)
