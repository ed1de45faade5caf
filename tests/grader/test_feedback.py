"""The feedback policy: read from the manifest with every problem named, and applied.

candidate_view is checked field by field: what each policy shows, and that
nothing of a hidden test (its name, its message) survives in any of its views.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from grader.challenge import load_challenge
from grader.feedback import (
    DEFAULT_POLICY,
    HIDDEN_NAME,
    MAX_MESSAGE_CHARS,
    FeedbackPolicy,
    Policy,
    SubmissionFacts,
    candidate_view,
)
from tests.api.feedback_fixtures import (
    HIDDEN_SECRETS,
    OVERALL,
    VISIBLE,
    VISIBLE_GLOB,
    secret_report,
)
from tests.grader.test_challenge import VALID, problems_of, write_challenge

FACTS = SubmissionFacts(
    "s-1", "word-frequency", "a" * 40, "graded", datetime(2026, 1, 1, tzinfo=UTC)
)


def test_without_a_feedback_table_candidates_get_the_summary(tmp_path: Path) -> None:
    challenge = load_challenge(write_challenge(tmp_path, VALID))
    assert challenge.feedback == FeedbackPolicy(Policy.SUMMARY, (), None)
    assert DEFAULT_POLICY == Policy.SUMMARY


def test_a_feedback_table_is_read(tmp_path: Path) -> None:
    manifest = VALID + '\n[feedback]\npolicy = "visible"\nvisible = ["hidden/test_a.py::*"]\n'
    manifest += "max_gradings = 3\n"
    feedback = load_challenge(write_challenge(tmp_path, manifest)).feedback
    assert feedback == FeedbackPolicy(Policy.VISIBLE, ("hidden/test_a.py::*",), 3)
    assert feedback.shows("hidden/test_a.py::test_x")
    assert not feedback.shows("hidden/test_perf.py::test_n[1000]")


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            'policy = "everything"',
            "challenge.toml: feedback.policy: 'everything' is not one of none, summary, visible",
        ),
        (
            'policy = "summary"\nvisibel = ["x"]',
            "challenge.toml: feedback.visibel: unknown field "
            "(known: max_gradings, policy, visible)",
        ),
        (
            'policy = "visible"',
            'challenge.toml: feedback.visible: policy "visible" needs at least one test-ID glob',
        ),
        (
            'policy = "summary"\nvisible = ["hidden/*"]',
            'challenge.toml: feedback.visible: has no effect unless policy = "visible" '
            "(policy is 'summary')",
        ),
        (
            'policy = "visible"\nvisible = "hidden/*"',
            "challenge.toml: feedback.visible: must be a list of test-ID globs",
        ),
        ("max_gradings = 0", "challenge.toml: feedback.max_gradings: must be a whole number >= 1"),
    ],
)
def test_each_feedback_problem_is_named(tmp_path: Path, table: str, expected: str) -> None:
    assert problems_of(write_challenge(tmp_path, VALID + "\n[feedback]\n" + table + "\n")) == [
        expected
    ]


def test_a_visible_glob_that_matches_no_test_is_an_authors_error(tmp_path: Path) -> None:
    manifest = VALID + '\n[feedback]\npolicy = "visible"\nvisible = ["hidden/test_b.py::*"]\n'
    challenge = load_challenge(write_challenge(tmp_path, manifest))
    ids = ["hidden/test_a.py::test_x", "hidden/test_perf.py::test_n[1000]"]
    assert challenge.mapping_problems(ids) == [
        "challenge.toml: feedback.visible: 'hidden/test_b.py::*' matches no test"
    ]


def view(policy: FeedbackPolicy, status: str = "graded") -> str:
    facts = SubmissionFacts(**{**vars(FACTS), "status": status})
    return repr(candidate_view(facts, secret_report("repo", "a" * 40), policy))


POLICIES = {
    "none": FeedbackPolicy(Policy.NONE),
    "summary": FeedbackPolicy(Policy.SUMMARY),
    "visible": FeedbackPolicy(Policy.VISIBLE, (VISIBLE_GLOB,)),
}


@pytest.mark.parametrize("name", POLICIES)
@pytest.mark.parametrize("status", ["graded", "tampered", "error"])
def test_no_view_holds_anything_of_a_hidden_test(name: str, status: str) -> None:
    shown = view(POLICIES[name], status)
    for secret in HIDDEN_SECRETS:
        assert secret not in shown


def test_each_policy_shows_its_share() -> None:
    report = secret_report("repo", "a" * 40)
    none = candidate_view(FACTS, report, POLICIES["none"])
    assert (none.overall, none.skills, none.tests) == (None, None, None)
    summary = candidate_view(FACTS, report, POLICIES["summary"])
    assert summary.overall == OVERALL and summary.tests is None
    assert summary.skills == {"programming": 40.0, "performance": 0.0, "version_control": 75.0}
    visible = candidate_view(FACTS, report, POLICIES["visible"])
    assert visible.skills == summary.skills
    assert [t.id for t in visible.tests or ()] == list(VISIBLE)
    assert HIDDEN_NAME in (visible.tests or ())[0].message
    errored = candidate_view(
        SubmissionFacts(**{**vars(FACTS), "status": "error"}), report, POLICIES["visible"]
    )
    assert (errored.overall, errored.tests) == (None, None)
    assert candidate_view(FACTS, None, POLICIES["visible"]).overall is None  # not graded yet


def test_a_visible_message_is_bounded() -> None:
    report = secret_report("repo", "a" * 40)
    report["tests"][2]["message"] = "x" * (MAX_MESSAGE_CHARS * 5)
    tests = candidate_view(FACTS, report, POLICIES["visible"]).tests or ()
    assert len(tests[0].message) <= MAX_MESSAGE_CHARS + 10


def test_visible_tests_lose_their_messages_when_the_submission_ran_with_the_tests() -> None:
    """In the tests' process the candidate's code could read the hidden suite and choose a
    message: only the outcomes are shown (the red team's encode-hidden-in-message)."""
    report = secret_report("repo", "a" * 40)
    report["integrity"] = {"mode": "shared", "guarantee": False}
    shared = candidate_view(FACTS, report, POLICIES["visible"]).tests or ()
    isolated = candidate_view(FACTS, secret_report("repo", "a" * 40), POLICIES["visible"]).tests
    assert shared and all(t.message == "" for t in shared)
    assert [t.outcome for t in shared] == [t.outcome for t in isolated or ()]
    assert any(t.message for t in isolated or ())
    del report["integrity"]  # an old report without the section: not known to be isolated
    assert all(
        t.message == "" for t in candidate_view(FACTS, report, POLICIES["visible"]).tests or ()
    )
