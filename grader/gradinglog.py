"""The grading log as a reviewer reads it: the candidate's tests only, counts as the report's.

The saved output of the test run still speaks of the grader's control tests
(grader.tripwires, grader.mirrors): their names are scrubbed to CONTROL, but
pytest's progress line has a character for each, their failures are printed
with their source, and the closing line counts them ("3 failed, 11 passed"
for a submission that passed 11 of 11). This module takes them out:

- a failure section whose header names a control test is dropped whole;
- any other line that names a control test is dropped (other runners' output);
- pytest's progress line is rebuilt from the report's own outcomes, in order;
- pytest's closing count line is rebuilt from the report's counts, its time kept.

What was left out is said in one plain line (``[grader] ...``) so nobody reads
the log as the raw output. Pure and idempotent: a cleaned log cleans to itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from grader.tripwires import CONTROL

PROGRESS = re.compile(r"^[.FEsxXT]+\s*\[\s*\d+%\]\s*$")
SECTION = re.compile(r"^_{3,} .* _{3,}$")
BANNER = re.compile(r"^={3,}.*={3,}$")
CLOSING = re.compile(
    r"^(?:=+ )?(?P<counts>\d+ [a-z]+(?:, \d+ [a-z]+)*) in (?P<time>[\d.]+s(?: \([^)]*\))?)(?: =+)?$"
)
CHAR = {"passed": ".", "failed": "F", "error": "E", "skipped": "s", "timeout": "T"}
ORDER = ("failed", "passed", "skipped", "error", "timeout")
OTHER_COUNTS = ("warning", "warnings", "deselected", "xfailed", "xpassed", "rerun")


@dataclass(frozen=True)
class Log:
    head: str
    tail: str
    dropped_bytes: int
    left_out: int  # lines about control tests taken out
    summary: str  # the report's counts, as the rebuilt closing line says them


def counts_line(tests: Sequence[dict[str, Any]]) -> str:
    """ "2 failed, 9 passed": the report's outcomes, in pytest's order of words."""
    counts: dict[str, int] = {}
    for test in tests:
        counts[str(test.get("outcome"))] = counts.get(str(test.get("outcome")), 0) + 1
    named = [o for o in ORDER if counts.get(o)] + sorted(o for o in counts if o not in ORDER)
    return ", ".join(f"{counts[o]} {o}" for o in named) or "no tests ran"


def clean(output: dict[str, Any], tests: Sequence[dict[str, Any]]) -> Log:
    """The output without the grader's control tests, its counts the report's."""
    summary = counts_line(tests)
    progress = "".join(CHAR.get(str(t.get("outcome")), "?") for t in tests)
    left = 0
    parts = []
    seen_progress = False
    for key in ("head", "tail"):
        text = output.get(key) if isinstance(output.get(key), str) else ""
        lines, dropped = _without_controls(str(text).splitlines())
        left += dropped
        kept = []
        for line in lines:
            if PROGRESS.match(line.strip()):
                if not seen_progress:  # pytest wraps a long run's progress: one line says it all
                    kept.append(f"{progress} [report's outcomes, in order]")
                seen_progress = True
                continue
            closing = CLOSING.match(line.strip())
            if closing and "[grader]" not in line:
                kept.append(_closing(closing, summary))
                continue
            kept.append(line)
        parts.append("\n".join(kept) + ("\n" if kept and str(text).endswith("\n") else ""))
    if left:
        note = f"[grader] {left} line(s) about the grader's control tests were left out of this log"
        parts[0] = f"{note}\n{parts[0]}"
    dropped_bytes = output.get("dropped_bytes")
    return Log(
        parts[0],
        parts[1],
        dropped_bytes if isinstance(dropped_bytes, int) else 0,
        left,
        summary,
    )


def _without_controls(lines: list[str]) -> tuple[list[str], int]:
    kept: list[str] = []
    dropped = 0
    skipping = False
    for line in lines:
        if SECTION.match(line):
            skipping = CONTROL in line
        elif BANNER.match(line):
            skipping = False
        if skipping or CONTROL in line:
            dropped += 1
            continue
        kept.append(line)
    return _without_empty_banners(kept), dropped


def _without_empty_banners(lines: list[str]) -> list[str]:
    """A FAILURES (or ERRORS) banner whose every section was a control test's goes too."""
    out = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        empty = not following.strip() or BANNER.match(following) or CLOSING.match(following)
        if BANNER.match(line) and ("FAILURES" in line or "ERRORS" in line) and empty:
            continue
        out.append(line)
    return out


def _closing(found: re.Match[str], summary: str) -> str:
    others = [
        part for part in found.group("counts").split(", ") if part.split(" ", 1)[1] in OTHER_COUNTS
    ]
    return f"{', '.join([summary, *others])} in {found.group('time')} [grader: the report's counts]"
