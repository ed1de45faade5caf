"""Timeline rules: dates that a reviewer should look at. They never move the score."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Final

from grader.git import LogCommit
from grader.history.rules import Finding, History, finding, short

CLOCK_SKEW: Final = timedelta(minutes=10)
FUTURE_SKEW: Final = timedelta(hours=1)
BACKDATED: Final = timedelta(days=7)  # committed this long before the push that carried it
BURST_WINDOW_S: Final = 60
BURST_COMMITS: Final = 5
BURST_MIN_CHURN: Final = 20


def _when(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _fmt(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def timeline_findings(
    history: History,
    *,
    now: datetime,
    base_time: int | None,
    push_times: Mapping[str, datetime] | None,
) -> list[Finding]:
    findings = []
    for commit in history.commits:
        dated = _when(commit.commit_time)
        latest = _when(max(commit.commit_time, commit.author_time))
        if latest > now + FUTURE_SKEW:
            findings.append(
                finding(
                    "timeline.future-dated",
                    f"Commit {short(commit)} is dated {_fmt(latest)}, in the future.",
                    commit.sha,
                )
            )
        if base_time is not None and commit.commit_time < base_time - CLOCK_SKEW.total_seconds():
            findings.append(
                finding(
                    "timeline.before-base",
                    f"Commit {short(commit)} is dated "
                    f"{_fmt(dated)}, before the commit it builds on "
                    f"({_fmt(_when(base_time))}).",
                    commit.sha,
                )
            )
        pushed = (push_times or {}).get(commit.sha)
        if pushed is not None:
            findings += _push_findings(commit, dated, _aware(pushed))
    return findings + _burst_findings(history)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _push_findings(commit: LogCommit, dated: datetime, pushed: datetime) -> list[Finding]:
    if dated > pushed + CLOCK_SKEW:
        return [
            finding(
                "timeline.dated-after-push",
                f"Commit {short(commit)} is dated "
                f"{_fmt(dated)}, after it reached us ({_fmt(pushed)}).",
                commit.sha,
            )
        ]
    if dated < pushed - BACKDATED:
        return [
            finding(
                "timeline.dated-before-push",
                f"Commit {short(commit)} is dated {_fmt(dated)} but was pushed {_fmt(pushed)}.",
                commit.sha,
            )
        ]
    return []


def _burst_findings(history: History) -> list[Finding]:
    # Author dates: a rebase rewrites committer dates into one burst, honestly.
    big = sorted(
        (c for c in history.scored if history.churn[c.sha] >= BURST_MIN_CHURN),
        key=lambda c: c.author_time,
    )
    findings, i = [], 0
    while i < len(big):
        j = i
        while j + 1 < len(big) and big[j + 1].author_time - big[i].author_time <= BURST_WINDOW_S:
            j += 1
        if j - i + 1 >= BURST_COMMITS:
            findings.append(
                finding(
                    "timeline.burst",
                    f"{j - i + 1} commits with {BURST_MIN_CHURN}+ changed lines "
                    f"each were written within a minute, from {short(big[i])}.",
                    big[i].sha,
                )
            )
            i = j + 1
        else:
            i += 1
    return findings
