"""What a candidate may learn of a grading: the challenge's feedback policy, applied in one place.

A challenge's ``[feedback]`` table (docs/contract.md, "Feedback to candidates")
sets a ``policy``: ``none`` (the push was received and graded, nothing else),
``summary`` (the overall and per-skill scores) or ``visible`` (the summary, plus
the outcome and message of each test whose ID matches one of the ``visible``
globs). ``max_gradings`` bounds the gradings per candidate.

``candidate_view`` is the only way anything of a submission reaches a candidate
(the API, the candidate page, ``git push``'s output): it copies a whitelist out
of the report, so what it does not name (hidden tests' names and messages, the
test output, notes, findings, integrity signals, artifacts, error text) cannot
leak through it. Even a visible test's message is bounded and has every hidden
test's name blanked out of it, since a message may quote a neighbour.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

MANIFEST = "challenge.toml"
MAX_MESSAGE_CHARS = 2000
HIDDEN_NAME = "[hidden test]"
KEYS = frozenset({"policy", "visible", "max_gradings"})


class Policy(StrEnum):
    """How much of a grading its candidate sees."""

    NONE = "none"
    SUMMARY = "summary"
    VISIBLE = "visible"


# A hiring team tells candidates their score (it is what they came for, and it makes
# a retry worthwhile) but never the tests: summary unless the author says otherwise.
DEFAULT_POLICY = Policy.SUMMARY


def matches(test_id: str, glob: str) -> bool:
    """A test-ID glob; an exact ID such as ``test_n[1000]`` also matches itself."""
    return test_id == glob or fnmatch.fnmatchcase(test_id, glob)


@dataclass(frozen=True)
class FeedbackPolicy:
    policy: Policy = DEFAULT_POLICY
    visible: tuple[str, ...] = ()  # test-ID globs a candidate may see under ``visible``
    max_gradings: int | None = None  # per candidate; None: no limit

    def shows(self, test_id: str) -> bool:
        return self.policy == Policy.VISIBLE and any(matches(test_id, g) for g in self.visible)

    def glob_problems(self, test_ids: Iterable[str]) -> list[str]:
        """A visible glob that matches no test is the author's error, like a skill's."""
        ids = list(test_ids)
        return [
            f"{MANIFEST}: feedback.visible: {glob!r} matches no test"
            for glob in self.visible
            if not any(matches(t, glob) for t in ids)
        ]


def parse_feedback(table: Any, problems: list[str]) -> FeedbackPolicy:
    """The ``[feedback]`` table (absent: the default policy); appends every problem."""
    if table is None:
        return FeedbackPolicy()
    if not isinstance(table, dict):
        problems.append(f"{MANIFEST}: [feedback] must be a table")
        return FeedbackPolicy()
    for key in sorted(set(table) - KEYS):
        known = ", ".join(sorted(KEYS))
        problems.append(f"{MANIFEST}: feedback.{key}: unknown field (known: {known})")
    raw = table.get("policy", DEFAULT_POLICY.value)
    if raw not in {p.value for p in Policy}:
        known = ", ".join(p.value for p in Policy)
        problems.append(f"{MANIFEST}: feedback.policy: {raw!r} is not one of {known}")
        raw = DEFAULT_POLICY.value
    policy = Policy(raw)
    visible = table.get("visible", [])
    if not isinstance(visible, list) or not all(isinstance(g, str) and g for g in visible):
        problems.append(f"{MANIFEST}: feedback.visible: must be a list of test-ID globs")
        return FeedbackPolicy(policy, (), _limit(table, problems))  # one problem, not two
    if visible and policy != Policy.VISIBLE:
        problems.append(
            f'{MANIFEST}: feedback.visible: has no effect unless policy = "visible" '
            f"(policy is {policy.value!r})"
        )
    if policy == Policy.VISIBLE and not visible:
        problems.append(
            f'{MANIFEST}: feedback.visible: policy "visible" needs at least one test-ID glob'
        )
    return FeedbackPolicy(policy, tuple(visible), _limit(table, problems))


def _limit(table: dict[str, Any], problems: list[str]) -> int | None:
    limit = table.get("max_gradings")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        problems.append(f"{MANIFEST}: feedback.max_gradings: must be a whole number >= 1")
        return None
    return limit


# -- the view ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CandidateTest:
    id: str
    outcome: str
    message: str


@dataclass(frozen=True)
class CandidateView:
    """Everything a candidate may know of one submission."""

    id: str
    challenge: str
    commit: str | None
    status: str  # the submission's status; "held" when past the gradings limit
    created_at: datetime
    policy: Policy
    note: str  # why it is held, or "" (never an error's text)
    overall: float | None = None  # summary and visible only
    skills: Mapping[str, float] | None = None
    tests: tuple[CandidateTest, ...] | None = None  # visible only: the visible tests

    @property
    def final(self) -> bool:
        return self.status in ("graded", "tampered", "error")


@dataclass(frozen=True)
class SubmissionFacts:
    """What a view needs of a submission row (so this module reads no table)."""

    id: str
    challenge: str
    commit: str | None
    status: str
    created_at: datetime
    note: str = ""


def candidate_view(
    submission: SubmissionFacts, report: Mapping[str, Any] | None, policy: FeedbackPolicy
) -> CandidateView:
    """The policy applied to one submission and its stored report (None until graded)."""
    base = CandidateView(
        id=submission.id,
        challenge=submission.challenge,
        commit=submission.commit,
        status=submission.status,
        created_at=submission.created_at,
        policy=policy.policy,
        note=submission.note,
    )
    # An error is ours or the build's: its text stays with the reviewers.
    if report is None or policy.policy == Policy.NONE or submission.status == "error":
        return base
    skills = {
        name: round(float(skill["score"]), 1)
        for name, skill in _dict(report.get("skills")).items()
        if isinstance(skill, dict) and isinstance(skill.get("score"), int | float)
    }
    overall = report.get("overall")
    score = round(float(overall), 1) if isinstance(overall, int | float) else None
    summary = replace(base, overall=score, skills=skills)
    if policy.policy == Policy.SUMMARY:
        return summary
    return replace(summary, tests=_visible_tests(report, policy))


def _visible_tests(report: Mapping[str, Any], policy: FeedbackPolicy) -> tuple[CandidateTest, ...]:
    tests = [t for t in report.get("tests") or [] if isinstance(t, dict) and "id" in t]
    hidden = [str(t["id"]) for t in tests if not policy.shows(str(t["id"]))]
    isolated = _isolated(report)
    return tuple(
        CandidateTest(
            id=str(t["id"]),
            outcome=str(t.get("outcome", "")),
            message=_scrub(str(t.get("message") or ""), hidden) if isolated else "",
        )
        for t in tests
        if policy.shows(str(t["id"]))
    )


def _isolated(report: Mapping[str, Any]) -> bool:
    """Whether the submission ran apart from the tests (isolation ``process``): only then
    are visible tests' messages shown. In the tests' process the candidate's code can read
    the hidden suite and choose a message (a thrown error's text, the value an assertion
    prints), so a message could carry the hidden suite out, encoded past any scrubbing
    (the red team's `encode-hidden-in-message`): the outcomes alone are shown."""
    integrity = report.get("integrity")
    return isinstance(integrity, dict) and integrity.get("guarantee") is True


def _scrub(message: str, hidden: list[str]) -> str:
    """A visible test's message, bounded, with every hidden test's name blanked out."""
    tails = {h.rsplit("::", 1)[-1] for h in hidden}
    # A parametrized test is quoted by its function's name too, without its "[...]".
    names = set(hidden) | tails | {t.split("[", 1)[0] for t in tails}
    for name in sorted(names, key=len, reverse=True):  # the full ID before its tail
        if len(name) >= 4:  # a two-letter name would blank ordinary words
            message = message.replace(name, HIDDEN_NAME)
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS] + "\n[cut]"
    return message


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
