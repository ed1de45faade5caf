"""What a regrade changes: per submission, old and new scores and the tests whose outcome moved.

Pure functions of two report JSONs (the current one and the shadow one), so
the API, the page and the CLI show the same diff. A shadow grading that failed
(no report) or whose report is ``error`` counts as errored, never as a score
going down: publishing keeps the current result of a failed one (grader/regrade.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

EPSILON = 1e-9


class Change(StrEnum):
    """How a submission's overall score moves if the regrade is published."""

    UP = "up"
    DOWN = "down"
    UNCHANGED = "unchanged"
    ERRORED = "errored"
    PENDING = "pending"  # its shadow grading has not finished


@dataclass(frozen=True)
class TestChange:
    __test__ = False  # not a pytest test class

    id: str
    old: str | None  # None: the test did not exist (or there was no report)
    new: str | None


@dataclass(frozen=True)
class SkillChange:
    name: str
    old: float | None
    new: float | None


@dataclass(frozen=True)
class SubmissionDiff:
    submission: str
    candidate: str | None
    commit: str | None
    change: Change
    old_status: str | None
    new_status: str | None
    old_overall: float | None
    new_overall: float | None
    skills: list[SkillChange] = field(default_factory=list)
    tests: list[TestChange] = field(default_factory=list)
    error: str | None = None  # why the shadow grading failed

    @property
    def delta(self) -> float | None:
        if self.old_overall is None or self.new_overall is None:
            return None
        return round(self.new_overall - self.old_overall, 4)


def diff(
    submission: str,
    candidate: str | None,
    commit: str | None,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    *,
    finished: bool = True,
    error: str | None = None,
) -> SubmissionDiff:
    """The diff of one submission: ``old`` its current report (None: it has none), ``new``
    the shadow report (None: not finished, or failed with ``error``)."""
    old, new_report = old or {}, new or {}
    old_overall, new_overall = _number(old.get("overall")), _number(new_report.get("overall"))
    return SubmissionDiff(
        submission=submission,
        candidate=candidate,
        commit=commit,
        change=_change(old_overall, new_overall, new, finished),
        old_status=old.get("status"),
        new_status=new_report.get("status"),
        old_overall=old_overall,
        new_overall=new_overall,
        skills=skill_changes(old, new_report) if new is not None else [],
        tests=test_changes(old, new_report) if new is not None else [],
        error=error,
    )


def _change(old: float | None, new: float | None, report: Any, finished: bool) -> Change:
    if not finished:
        return Change.PENDING
    if report is None or report.get("status") == "error" or new is None:
        return Change.ERRORED
    if old is None or new > old + EPSILON:
        return Change.UP
    return Change.DOWN if new < old - EPSILON else Change.UNCHANGED


def skill_changes(old: dict[str, Any], new: dict[str, Any]) -> list[SkillChange]:
    """Every skill of either report, in the new report's order, old and new score."""
    old_skills, new_skills = _skills(old), _skills(new)
    names = list(new_skills) + [name for name in old_skills if name not in new_skills]
    return [SkillChange(name, old_skills.get(name), new_skills.get(name)) for name in names]


def test_changes(old: dict[str, Any], new: dict[str, Any]) -> list[TestChange]:
    """The tests whose outcome differs (added and removed tests included), in the new order."""
    before, after = _outcomes(old), _outcomes(new)
    ids = list(after) + [test for test in before if test not in after]
    return [
        TestChange(test, before.get(test), after.get(test))
        for test in ids
        if before.get(test) != after.get(test)
    ]


def summary(diffs: list[SubmissionDiff]) -> dict[str, int]:
    """How many went up, down, unchanged, errored, pending (every key present)."""
    counts = Counter(d.change.value for d in diffs)
    return {change.value: counts.get(change.value, 0) for change in Change}


def _skills(report: dict[str, Any]) -> dict[str, float | None]:
    skills = report.get("skills")
    if not isinstance(skills, dict):
        return {}
    return {
        str(name): _number(skill.get("score")) if isinstance(skill, dict) else None
        for name, skill in skills.items()
    }


def _outcomes(report: dict[str, Any]) -> dict[str, str]:
    return {
        str(test["id"]): str(test.get("outcome"))
        for test in report.get("tests") or []
        if isinstance(test, dict) and "id" in test
    }


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
