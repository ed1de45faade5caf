"""Which stored report a grading may reuse (grader/jobs.py ``dedupe_key``): the same
candidate's same commit only, never another candidate's copy of it (no Docker)."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from grader.config import Settings
from grader.jobs import GradingService, _Job
from grader.store import repo
from grader.store.db import migrate, session_scope
from tests.store.repo_fixtures import submit

JOB = _Job(
    submission_id="s1",
    repo="https://git.example.com/ann.git",
    ref="main",
    commit="a" * 40,
    invitation_id="inv-ann",
    root="/challenges/word-frequency",
    challenge_commit=None,
    challenge_version="v1",
)


def test_the_same_candidates_same_commit_is_reused() -> None:
    again = dataclasses.replace(JOB, submission_id="s2")
    assert again.dedupe_key("a" * 40) == JOB.dedupe_key("a" * 40)


def test_another_candidates_copy_of_the_commit_is_graded_on_its_own() -> None:
    """Its history (push times) is its own, its identity is hidden apart, and it must meet
    the similarity check: a reused report skips all three."""
    copy = dataclasses.replace(JOB, submission_id="s2", invitation_id="inv-bob")
    assert copy.dedupe_key("a" * 40) != JOB.dedupe_key("a" * 40)
    external = dataclasses.replace(JOB, invitation_id=None)
    elsewhere = dataclasses.replace(external, repo="https://git.example.com/bob.git")
    assert external.dedupe_key("a" * 40) != elsewhere.dedupe_key("a" * 40)
    assert external.dedupe_key("a" * 40) == dataclasses.replace(external).dedupe_key("a" * 40)


def test_a_new_challenge_version_or_commit_is_graded_again() -> None:
    assert dataclasses.replace(JOB, challenge_version="v2").dedupe_key("a" * 40) != (
        JOB.dedupe_key("a" * 40)
    )
    assert JOB.dedupe_key("b" * 40) != JOB.dedupe_key("a" * 40)
    assert len(JOB.dedupe_key("a" * 40)) <= 200  # the column's size


def test_a_report_from_another_image_is_not_reused(settings: Settings) -> None:
    """The same challenge version in a rebuilt image (its base or packages changed) is
    another environment: the commit is graded again, not given the old report."""
    url = settings.effective_database_url
    migrate(url)
    first, second = submit(url, commit="a" * 40), submit(url, commit="a" * 40)
    job = dataclasses.replace(JOB, submission_id=second, invitation_id=None, repo="/repos/a.git")
    with session_scope(url) as session:
        repo.claim(session, first, "test-worker", 600)
        repo.finish(
            session,
            first,
            status="graded",
            overall=80.0,
            report={"status": "graded", "overall": 80.0, "sandbox": {"digest": "sha256:old"}},
            artifacts=None,
            commit="a" * 40,
            dedupe_key=job.dedupe_key("a" * 40),
        )
        repo.claim(session, second, "test-worker", 600)
    svc = GradingService(settings)
    image = SimpleNamespace(image_id="sha256:new")
    svc._prepared[(job.root, "")] = SimpleNamespace(image=image)
    assert job._reuse_existing(svc, "a" * 40) is None  # rebuilt: graded again
    image.image_id = "sha256:old"
    assert job._reuse_existing(svc, "a" * 40) == "graded"  # the same image: reused
