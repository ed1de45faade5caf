"""Which stored report a grading may reuse (grader/jobs.py ``dedupe_key``): the same
candidate's same commit only, never another candidate's copy of it (no Docker)."""

from __future__ import annotations

import dataclasses

from grader.jobs import _Job

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
