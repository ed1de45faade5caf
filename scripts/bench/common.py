"""What every part of the bench uses: the project's root, the grading's stages, the log
line, the statistics (median and p95, as ratios to the physical limit) and small helpers.

Nothing here touches Docker, the database or the queue.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
STAGES = ("fetch", "workspace", "sandbox", "results", "history", "score", "similarity")
# The stages one after another on a grading's critical path: the history and the similarity
# fingerprints are read beside the sandbox run, and the report's other timings
# (services_start, suite_*) lie inside the sandbox's.
CRITICAL_STAGES = ("fetch", "workspace", "sandbox", "results", "reruns", "score")


def grade_seconds(timings: dict[str, Any]) -> float:
    """How long grade() took, from its report's timings (the critical path's stages)."""
    return sum(float(timings.get(stage, 0.0)) for stage in CRITICAL_STAGES)


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


def tripwire_time(records: list[Any], wires: set[Any]) -> float:
    """The planted tests' own run time, inside the suite's (mirrors re-run real tests)."""
    return sum(
        float(r.get("duration_s") or 0.0)
        for r in records
        if isinstance(r, dict) and r.get("event") == "result" and r.get("id") in wires
    )
