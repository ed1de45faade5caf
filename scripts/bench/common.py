"""What every part of the bench uses: the project's root, the grading's stages, the log
line, the statistics (median and p95, as ratios to the physical limit) and small helpers.

Nothing here touches Docker, the database or the queue.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
STAGES = ("fetch", "workspace", "sandbox", "results", "history", "score")
AUTHOR_ENV = {
    "GIT_AUTHOR_NAME": "Bench Candidate",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench Candidate",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


# -- small helpers ---------------------------------------------------------------------------
def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * pct / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(samples: list[float], reference: dict[str, Any] | None = None) -> dict[str, Any]:
    """Median and p95 in seconds, and as ratios to reference 1's median and p95."""
    out: dict[str, Any] = {
        "n": len(samples),
        "median_s": round(statistics.median(samples), 4) if samples else None,
        "p95_s": round(percentile(samples, 95), 4) if samples else None,
        "min_s": round(min(samples), 4) if samples else None,
        "max_s": round(max(samples), 4) if samples else None,
        "samples_s": [round(s, 4) for s in samples],
    }
    if reference and samples and reference.get("median_s"):
        out["ratio_median"] = round(out["median_s"] / reference["median_s"], 3)
        out["ratio_p95"] = round(out["p95_s"] / reference["p95_s"], 3)
    return out


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **AUTHOR_ENV},
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(what: str, check: Callable[[], bool], timeout_s: float, every_s: float = 0.02) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout_s:.0f}s waiting until {what}")
        time.sleep(every_s)


def tripwire_time(records: list[Any], wires: set[Any]) -> float:
    """The planted tests' own run time, inside the suite's (mirrors re-run real tests)."""
    return sum(
        float(r.get("duration_s") or 0.0)
        for r in records
        if isinstance(r, dict) and r.get("event") == "result" and r.get("id") in wires
    )
