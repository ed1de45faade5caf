"""The grader in-process and as a command: ``pipeline.grade()`` with its per-stage timings and
the sandbox stage's Docker calls, and ``grader grade`` as a subprocess.

Every report is checked: a grading that is not graded with every test passed
is a warning of the run, since its timings would not be comparable.
"""

from __future__ import annotations

import cProfile
import json
import subprocess
import time
from typing import Any

from grader.fetch import FetchPolicy
from grader.pipeline import grade
from scripts.bench.common import PROJECT_ROOT, tripwire_time
from scripts.bench.harness import Bench
from scripts.bench.subjects import Subject


def inprocess_once(bench: Bench, subject: Subject, profile: cProfile.Profile | None = None) -> Any:
    """One ``pipeline.grade()`` in this process, optionally profiled, with its Docker calls."""
    bench.recorder.reset()
    started = time.perf_counter()
    if profile is not None:
        profile.enable()
    try:
        grading = grade(
            subject.prepared,
            str(subject.repo),
            "main",
            settings=bench.settings,
            sandbox=bench.sandbox,
            policy=FetchPolicy(allow_local=True),
        )
    finally:
        if profile is not None:
            profile.disable()
    wall = time.perf_counter() - started
    check_report(bench, subject, grading.report.to_dict(), "in-process")
    wires = {w.id for w in grading.tripwires}
    records = grading.artifacts.records if grading.artifacts else []
    prestart = (grading.artifacts.prestart if grading.artifacts else None) or {}
    return {
        "wall_s": wall,
        "timings": dict(grading.timings),
        "split": bench.recorder.split(),
        "suite_s": grading.artifacts.duration_s if grading.artifacts else 0.0,
        "tripwires": len(wires),
        # the planted tests' own run time, inside the suite's (mirrors re-run real tests)
        "tripwire_tests_s": tripwire_time(records, wires),
        # whether the suite ran in processes PID 1 started before the job (supervise_prestart)
        "prestart_used": bool(prestart.get("used")),
        "prestart_ready_s": prestart.get("ready_s"),
        # PID 1's own phases (grader/runner/supervise.py): reading and extracting the tree,
        # the suite's run from the extracted tree to its records, its end after the clock
        "phases": dict(grading.artifacts.phases) if grading.artifacts else {},
    }


def cli_once(bench: Bench, subject: Subject) -> dict[str, Any]:
    """One ``grader grade --json`` subprocess, timed from outside."""
    started = time.perf_counter()
    done = subprocess.run(
        [
            *bench.grader_command(),
            "grade",
            "--challenge",
            str(subject.path),
            "--repo",
            str(subject.repo),
            "--ref",
            "main",
            "--json",
        ],
        cwd=PROJECT_ROOT,
        env=bench.env,
        capture_output=True,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"grader grade failed: {done.stderr.decode(errors='replace')}")
    report = json.loads(done.stdout)
    check_report(bench, subject, report, "CLI")
    return {"wall_s": wall, "timings": report.get("timings", {})}


def check_report(bench: Bench, subject: Subject, report: dict[str, Any], path: str) -> None:
    """Warn of a grading that is not graded with every test passed."""
    failed = [t["id"] for t in report.get("tests", []) if t.get("outcome") != "passed"]
    if report.get("status") != "graded" or failed:
        bench.warnings.append(
            f"{path} grading of {subject.id}: status {report.get('status')}, "
            f"not passed: {failed[:5]}"
        )
