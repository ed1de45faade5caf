"""History signals: what in a candidate's history a reviewer would want to look at, with evidence.

Not findings: a signal never moves the version-control score, never makes a
grading ``tampered``, and only reviewers see it (the report's
``history.signals``, shown on the report page). Each has a ``kind``, a
``message``, the ``commits`` it is about and the ``figures`` behind it:

- ``late-bulk-commit``: one commit wrote most of the final code (the share of
  the candidate's lines in the final tree that ``git blame`` gives it) and
  arrived long after the work started (its push, else its committer date,
  after the seed commit of the invitation, else the starter's commit);
- ``first-commit-holds-solution``: the candidate's first commit already wrote
  most of the final code;
- ``dated-after-push``: a commit's author or committer date is after the push
  that delivered it;
- ``dated-before-start``: a commit's author or committer date is far before
  the invitation's seed commit (or the starter's commit) it builds on.

Lines the starter gave are not the candidate's and are left out of the shares.
Blame reads at most MAX_FILES code files of at most MAX_FILE_BYTES each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from grader import git
from grader.errors import GraderError
from grader.git import MODE_EXEC, MODE_FILE, LogCommit
from grader.history.paths import is_code_path
from grader.history.rules import short
from grader.timestamps import rfc3339

MOST: Final = 0.7  # "most of the final code": this share of the candidate's final lines
FIRST_MOST: Final = 0.8
MIN_LINES: Final = 30  # fewer final lines of the candidate's: nothing to say
LATE: Final = timedelta(hours=24)
FAR_BEFORE: Final = timedelta(days=1)
CLOCK_SKEW: Final = timedelta(minutes=10)
MAX_FILES: Final = 200
MAX_FILE_BYTES: Final = 256 * 1024


class SignalKind(StrEnum):
    LATE_BULK_COMMIT = "late-bulk-commit"
    FIRST_COMMIT_HOLDS_SOLUTION = "first-commit-holds-solution"
    DATED_AFTER_PUSH = "dated-after-push"
    DATED_BEFORE_START = "dated-before-start"


@dataclass(frozen=True)
class Signal:
    kind: SignalKind
    message: str
    commits: tuple[str, ...]
    figures: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "message": self.message,
            "commits": list(self.commits),
            "figures": self.figures,
        }


@dataclass(frozen=True)
class Start:
    """Where the candidate's work starts: the commit, its committer date, and what it is."""

    commit: str
    time: int
    what: str  # "the invitation's seed commit" or "the starter's commit"


def reviewer_signals(
    repo: Path,
    tip: str,
    commits: list[LogCommit],
    base: str | None,
    seeded: bool,
    push_times: Mapping[str, datetime] | None,
    notes: list[str],
) -> list[dict[str, Any]]:
    """The signals' JSON, for the report; evidence only, so a failure to read them is a
    note. ``seeded``: ``base`` is the invitation's seed commit (else the starter's)."""
    try:
        start = None
        if base:
            what = "the invitation's seed commit" if seeded else "the starter's commit"
            start = Start(base, git.commit_time(repo, base), what)
        found = history_signals(repo, tip, commits, start=start, push_times=push_times)
    except GraderError as exc:
        notes.append(f"The history signals could not be read: {exc}")
        return []
    return [signal.to_json() for signal in found]


def history_signals(
    repo: Path,
    tip: str,
    commits: list[LogCommit],
    *,
    start: Start | None,
    push_times: Mapping[str, datetime] | None,
) -> list[Signal]:
    """The signals of the candidate's ``commits`` (oldest first) leading to ``tip``."""
    own = [c for c in commits if len(c.parents) < 2]
    if not own:
        return []
    pushed = {sha: _aware(moment) for sha, moment in (push_times or {}).items()}
    lines = final_lines(repo, tip, {c.sha for c in commits})
    return [
        *_bulk(own, lines, start, pushed),
        *_first(own[0], lines, len(own)),
        *_dates(own, start, pushed),
    ]


def final_lines(repo: Path, tip: str, candidate: set[str]) -> Counter[str]:
    """Commit -> the lines of the final tree's code files it last wrote (the candidate's
    commits only: the starter's lines are nobody's here)."""
    entries = [
        e
        for e in git.tree_entries(repo, tip)
        if e.mode in (MODE_FILE, MODE_EXEC) and is_code_path(e.path)
    ]
    sizes = git.object_sizes(repo, [e.sha for e in entries])
    small = [e for e in entries if sizes.get(e.sha, MAX_FILE_BYTES + 1) <= MAX_FILE_BYTES]
    counts: Counter[str] = Counter()
    for entry in sorted(small, key=lambda e: e.path)[:MAX_FILES]:
        counts.update(git.blame_lines(repo, tip, entry.path))
    return Counter({sha: n for sha, n in counts.items() if sha in candidate})


def _bulk(
    own: list[LogCommit],
    lines: Counter[str],
    start: Start | None,
    pushed: Mapping[str, datetime],
) -> list[Signal]:
    total = sum(lines.values())
    if start is None or total < MIN_LINES:
        return []
    found = []
    for commit in own:
        share = lines[commit.sha] / total
        arrived = pushed.get(commit.sha) or _when(commit.commit_time)
        after = arrived - _when(start.time)
        if share >= MOST and after >= LATE:
            how = "was pushed" if commit.sha in pushed else "is dated"
            found.append(
                Signal(
                    SignalKind.LATE_BULK_COMMIT,
                    f"Commit {short(commit)} wrote {share:.0%} of the final code "
                    f"({lines[commit.sha]} of {total} lines) and {how} {_span(after)} "
                    f"after {start.what} {start.commit[:10]}.",
                    (commit.sha,),
                    {
                        "share": round(share, 4),
                        "lines": lines[commit.sha],
                        "final_lines": total,
                        "arrived_at": rfc3339(arrived),
                        "hours_after_start": round(after.total_seconds() / 3600, 1),
                    },
                )
            )
    return found


def _first(first: LogCommit, lines: Counter[str], count: int) -> list[Signal]:
    total = sum(lines.values())
    share = lines[first.sha] / total if total else 0.0
    if total < MIN_LINES or share < FIRST_MOST:
        return []
    which = "only" if count == 1 else "first"
    return [
        Signal(
            SignalKind.FIRST_COMMIT_HOLDS_SOLUTION,
            f"The candidate's {which} commit {short(first)} already wrote {share:.0%} "
            f"of the final code ({lines[first.sha]} of {total} lines).",
            (first.sha,),
            {
                "share": round(share, 4),
                "lines": lines[first.sha],
                "final_lines": total,
                "commits": count,
            },
        )
    ]


def _dates(
    own: list[LogCommit], start: Start | None, pushed: Mapping[str, datetime]
) -> list[Signal]:
    found = []
    for commit in own:
        authored, committed = _when(commit.author_time), _when(commit.commit_time)
        figures = {"authored_at": rfc3339(authored), "committed_at": rfc3339(committed)}
        delivered = pushed.get(commit.sha)
        if delivered is not None and max(authored, committed) > delivered + CLOCK_SKEW:
            found.append(
                Signal(
                    SignalKind.DATED_AFTER_PUSH,
                    f"Commit {short(commit)} is dated after the push that delivered it: "
                    f"authored {_fmt(authored)}, committed {_fmt(committed)}, "
                    f"pushed {_fmt(delivered)}.",
                    (commit.sha,),
                    {**figures, "pushed_at": rfc3339(delivered)},
                )
            )
        began = _when(start.time) if start is not None else None
        if (
            start is not None
            and began is not None
            and min(authored, committed) < began - FAR_BEFORE
        ):
            early = _span(began - min(authored, committed))
            found.append(
                Signal(
                    SignalKind.DATED_BEFORE_START,
                    f"Commit {short(commit)} is dated {early} before {start.what} "
                    f"{start.commit[:10]} ({_fmt(began)}): "
                    f"authored {_fmt(authored)}, committed {_fmt(committed)}.",
                    (commit.sha,),
                    {**figures, "start_at": rfc3339(began)},
                )
            )
    return found


def _when(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _fmt(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _span(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} hours"
