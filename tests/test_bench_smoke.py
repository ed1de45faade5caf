"""`make bench` in its smallest form: every section is there and every figure is positive.

The targets are reported by the bench, never asserted here: on a shared machine
absolute figures say little, and this test is about the bench working.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from grader.config import PROJECT_ROOT

pytestmark = pytest.mark.docker

STAGES = ("fetch", "workspace", "sandbox", "results", "history", "score")
PATHS = ("reference_physical", "naive", "inprocess", "cli", "api_queue")


def positive(stats: dict[str, Any], where: str) -> None:
    assert stats["n"] >= 1, where
    assert stats["median_s"] > 0 and stats["p95_s"] > 0, f"{where}: {stats}"


def test_the_bench_runs_and_reports_every_section(tmp_path: Path) -> None:
    output = tmp_path / "bench.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.bench",
            "--runs",
            "2",
            "--quick",
            "--heavy",
            "orders-sqlite,synthetic",  # lighter than todo-api: the subject is the bench
            "--output",
            str(output),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-5000:]
    results = json.loads(output.read_text())
    assert {
        "meta",
        "challenges",
        "latency",
        "throughput",
        "memory",
        "profile",
        "isolation",
        "targets",
        "warnings",
    } <= set(results)

    meta = results["meta"]
    assert len(meta["git_commit"]) == 40 and meta["date"] and meta["machine"]["cpus"] >= 1

    assert set(results["challenges"]) == {"small", "heavy"}
    for challenge in (c["id"] for c in results["challenges"].values()):
        entry = results["latency"][challenge]
        ref = entry["reference_physical"]
        for path in PATHS:
            positive(entry[path], f"{challenge} {path}")
        for path in PATHS[1:]:
            assert entry[path]["ratio_median"] > 0 and entry[path]["ratio_p95"] > 0
            assert "overhead_vs_reference" in entry[path]
        for stage in STAGES:
            assert entry["stages"][stage]["median_s"] >= 0
        for stage in ("fetch", "sandbox", "history"):
            positive(entry["stages"][stage], f"{challenge} stage {stage}")
        split = entry["sandbox_split"]
        for part in ("attach", "run", "suite_in_container"):
            positive(split[part], f"{challenge} sandbox {part}")
        # the run ends when the exit is known: it holds the suite (a broken split put it at 0)
        assert split["run"]["median_s"] >= split["suite_in_container"]["median_s"]
        for part in ("take_check", "create", "start", "reload", "remove", "tripwire_tests"):
            assert split[part]["median_s"] >= 0  # 0 where a warm sandbox did it beforehand
        assert split["wait"]["median_s"] >= 0  # 0 when the exit, asked ahead, came with the run
        assert 0 <= split["warm_fraction"] <= 1
        assert (
            entry["sandbox_split"]["suite_in_container"]["median_s"]
            < entry["stages"]["sandbox"]["median_s"]
        )
        assert ref["median_s"] < 60

    small = results["challenges"]["small"]["id"]
    for lanes in ("1", "2"):
        for kind in ("reference_physical", "grader", "naive"):
            figure = results["throughput"][small][lanes][kind]
            assert figure["jobs"] >= 1 and figure["wall_s"] > 0 and figure["per_minute"] > 0
            assert figure["ratio"] > 0
            assert figure["cpu_s_per_job"] > 0
            assert 0 < figure["machine_busy_fraction"] <= 1.05  # /proc/stat counts in ticks

    memory = results["memory"]
    assert memory["peak_pss_mb"] > 0 and memory["peak_rss_sum_mb"] >= memory["peak_pss_mb"]
    assert memory["samples"] > 0

    profile = results["profile"]
    for section, name in (
        ("container_floor", "total"),
        ("inside_container", "suite_run"),
        ("git", "grader_clone_bare"),
        ("fresh_process", "first_job_imports"),
        ("cpu_seconds", "reference_suite"),
        ("prestarted_container_probe", "critical_path"),
    ):
        positive(profile[section][name], f"profile {section} {name}")
        assert all(s["median_s"] >= 0 for s in profile[section].values())
    assert profile["cprofile_top"]
    machine = profile["machine"]  # every process's CPU per grading, by role
    assert machine["gradings"] >= 3 and machine["whole_machine_cpu_s_per_grading"] > 0
    assert machine["cpu_s_per_grading"]["sandbox: the suite and the submission"] > 0
    assert machine["processes_per_grading"]["sandbox: PID 1 (the supervisor)"] >= 1
    lifecycle = profile["lifecycle"]
    assert lifecycle["as the sandbox"]["vs_sandbox"] == 1.0
    assert all(v["cpu_s_median"] > 0 for v in lifecycle.values()), lifecycle

    isolation = results["isolation"]
    python = {c["id"]: c for c in results["challenges"].values() if c["language"] == "python"}
    assert set(isolation) == set(python)
    for challenge, cost in isolation.items():
        assert cost["runs"] >= 3 and cost["tests"] == python[challenge]["tests"]
        assert cost["process_wall_s"] > 0 and cost["shared_wall_s"] > 0
        assert cost["process_suite_s"] > 0 and cost["shared_suite_s"] > 0

    assert all({"target", "value", "met"} <= set(t) for t in results["targets"])
    assert "== latency" in done.stdout and "== throughput" in done.stdout
    assert "== isolation" in done.stdout
