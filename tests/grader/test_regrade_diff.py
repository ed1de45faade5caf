"""The diff of one submission and the summary of a regrade, from report JSON."""

from __future__ import annotations

from typing import Any

from grader.regrade_diff import Change, diff, summary


def report(overall: float, status: str = "graded", **tests: str) -> dict[str, Any]:
    return {
        "status": status,
        "overall": overall,
        "skills": {"programming": {"score": overall}, "version_control": {"score": 50}},
        "tests": [{"id": name, "outcome": outcome} for name, outcome in tests.items()],
    }


def test_a_test_whose_outcome_changed_is_listed_with_added_and_removed_ones() -> None:
    old = report(50.0, a="passed", b="failed", gone="passed")
    new = report(75.0, a="passed", b="passed", new="timeout")
    found = diff("s1", "ann@example.com", "c" * 40, old, new)
    assert found.change == Change.UP and found.delta == 25.0
    assert [(t.id, t.old, t.new) for t in found.tests] == [
        ("b", "failed", "passed"),
        ("new", None, "timeout"),
        ("gone", "passed", None),
    ]
    assert [(s.name, s.old, s.new) for s in found.skills] == [
        ("programming", 50.0, 75.0),
        ("version_control", 50.0, 50.0),
    ]


def test_down_unchanged_errored_and_pending() -> None:
    old = report(80.0, a="passed")
    assert diff("s", None, None, old, report(60.0, a="failed")).change == Change.DOWN
    assert diff("s", None, None, old, report(80.0, a="passed")).change == Change.UNCHANGED
    assert diff("s", None, None, old, report(0.0, "error")).change == Change.ERRORED
    failed = diff("s", None, None, old, None, error="infrastructure failed")
    assert (failed.change, failed.error, failed.tests) == (
        Change.ERRORED,
        "infrastructure failed",
        [],
    )
    assert diff("s", None, None, old, None, finished=False).change == Change.PENDING
    # a submission that had no report at all goes up by being graded
    assert diff("s", None, None, None, report(10.0)).change == Change.UP


def test_the_summary_counts_every_kind_even_when_none() -> None:
    diffs = [diff("a", None, None, report(1.0), report(2.0)), diff("b", None, None, None, None)]
    assert summary(diffs) == {"up": 1, "down": 0, "unchanged": 0, "errored": 1, "pending": 0}
