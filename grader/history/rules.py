"""The version-control rubric: its weights, in one table, the parsed history, and scoring.

Every rule is a pure function of the parsed history: granularity here, messages,
timeline and file contents in messages.py, timeline.py and files.py; analysis.py
does the reading. A score is BASELINE plus the effect of every finding, clamped
to 0..100, and the clamp is itself a finding, so the findings always add up to
the score. docs/version-control.md explains
the rubric to candidates and reviewers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Final

from grader.git import LogChange, LogCommit
from grader.history.paths import content_category, is_lock_file, path_category


@dataclass(frozen=True)
class Finding:
    rule: str  # e.g. "message.subject-length", "secrets.committed"
    message: str  # one sentence, naming the commit or file concerned
    commit: str | None  # full SHA, or None for a finding about the whole history
    effect: float  # points this finding added (+) or removed (-) from the score


@dataclass(frozen=True)
class Weight:
    effect: float  # per finding; for a credit, the effect at a share of 100%
    cap: float | None = None  # the most the rule can move the score over a whole history


BASELINE: Final = 50.0
RUBRIC: Final[Mapping[str, Weight]] = MappingProxyType(
    {
        # Messages: small per-commit penalties, capped, and a credit for the share of clean ones.
        "message.subject-length": Weight(-1.0, cap=5),
        "message.subject-short": Weight(-1.0, cap=5),
        "message.subject-form": Weight(-0.5, cap=3),
        "message.blank-line": Weight(-1.0, cap=3),
        "message.body-missing": Weight(-1.0, cap=5),
        "message.imperative": Weight(-0.5, cap=3),
        "message.wip": Weight(-2.0, cap=6),
        "message.fixup": Weight(-2.0, cap=6),
        "message.clean": Weight(15.0),
        # Granularity.
        "granularity.commit-count": Weight(2.0, cap=10),
        "granularity.balanced": Weight(5.0),
        "granularity.giant-commit": Weight(-15.0),
        "granularity.large-commit": Weight(-2.0, cap=6),
        "granularity.mixed-areas": Weight(0.0),
        "granularity.no-commits": Weight(-BASELINE),
        # Hygiene: once per kind of file, however many files.
        "hygiene.committed-virtualenv": Weight(-15.0),
        "hygiene.committed-node-modules": Weight(-15.0),
        "hygiene.committed-env-file": Weight(-10.0),
        "hygiene.committed-bytecode": Weight(-5.0),
        "hygiene.committed-build-output": Weight(-5.0),
        "hygiene.committed-binary": Weight(-5.0),
        "hygiene.large-file": Weight(-5.0),
        "hygiene.committed-os-junk": Weight(-2.0),
        "hygiene.not-ignored": Weight(-2.0, cap=8),
        "hygiene.clean": Weight(5.0),
        # Secrets: in the history is as bad as in the final tree.
        "secrets.committed": Weight(-25.0, cap=50),
        "secrets.clean": Weight(5.0),
        # Tests alongside code: a credit for the share of code commits that touch tests.
        "tests.alongside-code": Weight(10.0),
        # Timeline: for the reviewer only, never points.
        "timeline.not-descended": Weight(0.0),
        "timeline.future-dated": Weight(0.0),
        "timeline.before-base": Weight(0.0),
        "timeline.dated-after-push": Weight(0.0),
        "timeline.dated-before-push": Weight(0.0),
        "timeline.burst": Weight(0.0),
        "score.clamped": Weight(0.0),
    }
)

FULL_COUNT_CREDIT_COMMITS: Final = 6  # 2 points per commit after the first, up to 10
GIANT_MIN_CHURN: Final = 100  # below this, a history is too small to call unbalanced
GIANT_SHARE: Final = 0.6
LARGE_COMMIT_CHURN: Final = 500
MIXED_AREAS: Final = 4  # top-level folders touched by one commit
MAX_LISTED: Final = 20  # findings listed per rule; the rest are summed into one


def finding(rule: str, message: str, commit: str | None = None, scale: float = 1.0) -> Finding:
    return Finding(rule, message, commit, tenths(RUBRIC[rule].effect * scale))


def tenths(value: float) -> float:
    """Rounded to one decimal, and never -0.0, which reads oddly in a report."""
    return round(value, 1) + 0.0


# --- the parsed history --------------------------------------------------------------------


@dataclass(frozen=True)
class History:
    commits: Sequence[LogCommit]  # every commit of the candidate's, parents first
    scored: Sequence[LogCommit]  # the same without merges
    sizes: Mapping[str, int]  # blob sha -> bytes
    churn: Mapping[str, int]  # commit sha -> lines added and deleted that count as work


def build_history(commits: Sequence[LogCommit], sizes: Mapping[str, int]) -> History:
    scored = [c for c in commits if len(c.parents) < 2]
    churn = {
        c.sha: sum(
            (ch.added or 0) + (ch.deleted or 0) for ch in c.changes if counts_as_work(ch, sizes)
        )
        for c in scored
    }
    return History(commits, scored, sizes, churn)


def counts_as_work(change: LogChange, sizes: Mapping[str, int]) -> bool:
    """Whether a change's lines are the candidate's work, rather than generated or vendored."""
    return (
        change.added is not None
        and not is_lock_file(change.path)
        and path_category(change.path) is None
        and content_category(change.path, binary=False, size=sizes.get(change.new_sha)) is None
    )


def short(commit: LogCommit) -> str:
    subject = commit.message.split("\n", 1)[0].strip()
    shown = subject if len(subject) <= 50 else subject[:49] + "…"
    return f'{commit.sha[:10]} "{shown}"'


# --- granularity ---------------------------------------------------------------------------


def granularity_findings(history: History) -> list[Finding]:
    count = len(history.scored)
    credit = finding(
        "granularity.commit-count",
        f"{count} commit{'s' if count > 1 else ''} of your own (2 points for each after the "
        f"first, up to {FULL_COUNT_CREDIT_COMMITS}).",
        scale=min(count, FULL_COUNT_CREDIT_COMMITS) - 1,
    )
    giant = _giant_commit(history)
    findings = [credit, *_balance_findings(history, giant)]
    for commit in history.scored:
        findings += _size_findings(history, commit, giant)
    return findings


def _giant_commit(history: History) -> LogCommit | None:
    total = sum(history.churn.values())
    largest = max(history.scored, key=lambda c: history.churn[c.sha])
    share = history.churn[largest.sha] / total if total else 0.0
    return largest if total >= GIANT_MIN_CHURN and share >= GIANT_SHARE else None


def _balance_findings(history: History, giant: LogCommit | None) -> list[Finding]:
    if giant is not None:
        lines, total = history.churn[giant.sha], sum(history.churn.values())
        return [
            finding(
                "granularity.giant-commit",
                f"Commit {short(giant)} holds {lines / total:.0%} of all changed lines "
                f"({lines} of {total}): one giant commit hides the steps.",
                giant.sha,
            )
        ]
    if len(history.scored) >= 3:
        return [
            finding(
                "granularity.balanced",
                f"The work is spread over {len(history.scored)} commits, none with more than "
                f"{GIANT_SHARE:.0%} of the lines.",
            )
        ]
    return []


def _size_findings(history: History, commit: LogCommit, giant: LogCommit | None) -> list[Finding]:
    findings, lines = [], history.churn[commit.sha]
    if lines > LARGE_COMMIT_CHURN and commit is not giant:  # the giant is penalised once
        findings.append(
            finding(
                "granularity.large-commit",
                f"Commit {short(commit)} changes {lines} lines.",
                commit.sha,
            )
        )
    # Generated and vendored files are reported as hygiene, not as areas of work.
    areas = {
        ch.path.split("/", 1)[0] if "/" in ch.path else "(top level)"
        for ch in commit.changes
        if path_category(ch.path) is None
    }
    if len(areas) >= MIXED_AREAS:
        findings.append(
            finding(
                "granularity.mixed-areas",
                f"Commit {short(commit)} touches {len(areas)} top-level areas "
                f"({', '.join(sorted(areas))}): check it is one change.",
                commit.sha,
            )
        )
    return findings


def no_commit_findings() -> list[Finding]:
    return [
        finding(
            "granularity.no-commits", "There are no commits of your own after the starting point."
        )
    ]


# --- settling the score --------------------------------------------------------------------


def settle(findings: Sequence[Finding]) -> tuple[list[Finding], float]:
    """Caps applied, long lists summed up, and the clamp to 0..100 recorded as a finding."""
    listed = _summarise(_capped(findings))
    total = tenths(BASELINE + sum(f.effect for f in listed))
    score = min(100.0, max(0.0, total))
    if score != total:
        listed.append(
            Finding(
                "score.clamped",
                f"The sum, {total:g}, is clamped to 0..100.",
                None,
                tenths(score - total),
            )
        )
    return listed, score


def _capped(findings: Sequence[Finding]) -> list[Finding]:
    used: dict[str, float] = {}
    out = []
    for item in findings:
        cap = RUBRIC[item.rule].cap
        if cap is not None:
            room = max(0.0, cap - used.get(item.rule, 0.0))
            effect = tenths(max(-room, min(room, item.effect)))
            used[item.rule] = used.get(item.rule, 0.0) + abs(effect)
            item = replace(item, effect=effect)
        out.append(item)
    return out


def _summarise(findings: Sequence[Finding]) -> list[Finding]:
    listed: dict[str, int] = {}
    out: list[Finding] = []
    extra: dict[str, tuple[int, float]] = {}
    for item in findings:
        listed[item.rule] = listed.get(item.rule, 0) + 1
        if listed[item.rule] <= MAX_LISTED:
            out.append(item)
        else:
            count, effect = extra.get(item.rule, (0, 0.0))
            extra[item.rule] = (count + 1, effect + item.effect)
    out += [
        Finding(rule, f"…and {count} more {rule} findings.", None, tenths(effect))
        for rule, (count, effect) in extra.items()
    ]
    return out
