"""What process isolation costs (issue 13): the same suite, tripwires included, graded by the
real sandbox with the submission in its own processes and in the test process, interleaved.
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import replace
from typing import Any

from grader.languages import Isolation
from grader.pipeline import run_suite
from scripts.bench.harness import Bench


def isolation(bench: Bench) -> dict[str, Any]:
    """What process isolation costs (issue 13): the same suite, tripwires included, graded
    by the real sandbox with the submission in its own processes and in the test process,
    interleaved. Overhead per grading is the difference of medians; per test, divided by
    the number of tests."""
    found: dict[str, Any] = {}
    for subject in bench.subjects:
        if subject.prepared.challenge.language != "python":
            continue
        variants = {
            mode: replace(
                subject.prepared, challenge=replace(subject.prepared.challenge, isolation=mode)
            )
            for mode in (Isolation.PROCESS, Isolation.SHARED)
        }
        samples: dict[str, dict[str, list[float]]] = {
            mode: {"wall": [], "suite": []} for mode in variants
        }
        for _ in range(max(bench.args.runs, 3)):
            for mode in random.sample(list(variants), len(variants)):
                started = time.perf_counter()
                artifacts, _wires = run_suite(
                    variants[mode], subject.workspace_tar, bench.sandbox, bench.data_dir
                )
                samples[mode]["wall"].append(time.perf_counter() - started)
                samples[mode]["suite"].append(artifacts.duration_s)
        found[subject.id] = _isolation_summary(samples, len(subject.prepared.test_ids))
    return found


def _isolation_summary(samples: dict[str, dict[str, list[float]]], tests: int) -> dict[str, Any]:
    medians = {
        mode: {kind: statistics.median(values) for kind, values in kinds.items()}
        for mode, kinds in samples.items()
    }
    process, shared = medians["process"], medians["shared"]
    grading = process["wall"] - shared["wall"]
    return {
        "runs": len(samples["process"]["wall"]),
        "tests": tests,
        "process_wall_s": round(process["wall"], 4),
        "shared_wall_s": round(shared["wall"], 4),
        "process_suite_s": round(process["suite"], 4),
        "shared_suite_s": round(shared["suite"], 4),
        "overhead_per_grading_s": round(grading, 4),
        "overhead_per_test_ms": round(1000 * grading / max(tests, 1), 3),
        "ratio": round(process["wall"] / shared["wall"], 3) if shared["wall"] else None,
    }
