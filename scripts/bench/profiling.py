"""The profile: where the grader's overhead goes.

The container measurements (``containers``), what runs inside a reference
container (interpreter start, imports, collection, the suite), git's share,
a fresh process's first gradings (a new ``grader grade`` or worker), and
cProfile's view of one in-process grading.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from grader import fetch, git
from grader.history import analyse_history
from grader.runner.supervise_channels import SAFE_ENV  # the sandbox's own environment
from scripts.bench import accounting
from scripts.bench.common import PROJECT_ROOT, summary
from scripts.bench.containers import container_floor, cpu_costs, pool_probe
from scripts.bench.gradings import inprocess_once
from scripts.bench.harness import Bench
from scripts.bench.lifecycle import lifecycle
from scripts.bench.physical import SUITE_DRIVER
from scripts.bench.subjects import Subject

# Runs a command N times inside a reference container; prints each run's duration.
COMMAND_DRIVER = r"""
import json, subprocess, sys, time
command, runs, env = json.loads(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
out = []
for i in range(runs):
    started = time.monotonic()
    done = subprocess.run(command, cwd="/work", env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out.append([time.monotonic() - started, done.returncode])
print(json.dumps(out))
"""


def profile(bench: Bench) -> dict[str, Any]:
    """Every part of the profile, on the small challenge."""
    subject = bench.subjects[0]
    reps = 3 if bench.args.quick else bench.args.profile_reps
    out: dict[str, Any] = {"challenge": subject.id, "repetitions": reps}
    out["container_floor"] = container_floor(bench, subject, reps)
    out["cpu_seconds"] = cpu = cpu_costs(bench, subject, 2 if bench.args.quick else 3)
    if "reference_suite" in cpu and "grading_whole_machine" in cpu:
        # On cores kept busy, no grader does better than the suite's share of its CPU.
        whole = max(cpu["grading_whole_machine"]["median_s"], 1e-6)
        out["cpu_bound_throughput_ratio"] = round(cpu["reference_suite"]["median_s"] / whole, 3)
    out["prestarted_container_probe"] = pool_probe(bench, subject, reps)
    out["inside_container"] = inside(bench, subject, reps)
    out["git"] = git_costs(bench, subject, reps)
    out["fresh_process"] = cold_start(bench, subject, reps)
    out["workspace_tar_bytes"] = len(subject.workspace_tar)
    profile = cProfile.Profile()
    inprocess_once(bench, subject, profile)
    out["cprofile_top"] = top_functions(profile, 25)
    # Every process's CPU per grading, by role (runc, shims, the sandbox's processes too).
    inprocess_once(bench, subject)
    out["machine"] = accounting.profile(lambda: inprocess_once(bench, subject), max(reps, 3))
    quick = bench.args.quick
    out["lifecycle"] = lifecycle(bench, subject, rounds=1 if quick else 3, reps=2 if quick else 6)
    # The in-process gradings' Docker calls made off their critical path (pool refills,
    # background removals), over the whole latency phase.
    out["off_critical_path_calls"] = {
        name: summary(values) for name, values in sorted(bench.recorder.background.items())
    }
    return out


def inside(bench: Bench, subject: Subject, reps: int) -> dict[str, Any]:
    """Inside a reference container: interpreter start, pytest import, collection, run."""
    reference = subject.references[0]
    commands = {
        "python_startup": ["python3", "-I", "-B", "-c", "pass"],
        "supervisor_imports": [
            "python3",
            "-I",
            "-B",
            "-c",
            "import ctypes, json, selectors, socket, subprocess, tarfile",
        ],
        "pytest_import": ["/opt/venv/bin/python", "-I", "-B", "-c", "import pytest"],
    }
    if subject.prepared.challenge.language != "python":
        commands = {}
    out = {}
    for name, command in commands.items():
        _code, output = reference.exec_run(
            [
                "python3",
                "-c",
                COMMAND_DRIVER,
                json.dumps(command),
                str(reps),
                json.dumps(SAFE_ENV),
            ],
            user="10001:10001",
            workdir="/work",
        )
        result = json.loads(output.decode().strip().splitlines()[-1])
        out[name] = summary([d for d, _c in result])
    suites = {"suite_run": subject.header}
    if subject.prepared.challenge.language == "python":
        suites["pytest_collect_only"] = {**subject.header, "command": "collect"}
    for name, header in suites.items():
        _code, output = reference.exec_run(
            ["python3", "-I", "-c", SUITE_DRIVER, json.dumps(header), str(reps)],
            user="10001:10001",
            workdir="/work",
        )
        result = json.loads(output.decode().strip().splitlines()[-1])
        out[name] = summary([d for d, _c in result])
    exec_walls = []
    for _ in range(reps):
        started = time.perf_counter()
        reference.exec_run(["true"], user="10001:10001")
        exec_walls.append(time.perf_counter() - started)
    out["docker_exec_true"] = summary(exec_walls)
    return out


def git_costs(bench: Bench, subject: Subject, reps: int) -> dict[str, Any]:
    """The grader's clone against plain and shallow clones, the tree, the history analysis."""
    out: dict[str, list[float]] = {
        "grader_clone_bare": [],
        "plain_clone_bare": [],
        "shallow_clone": [],
        "resolve_and_tree": [],
        "history": [],
    }
    for _ in range(reps):
        with tempfile.TemporaryDirectory(dir=bench.data_dir) as tmp:
            t0 = time.perf_counter()
            git.clone_bare(str(subject.repo), Path(tmp) / "a.git", ("file",), 60, 1 << 30)
            t1 = time.perf_counter()
            plain = ["git", "clone", "--bare", "--no-local", "--quiet"]
            subprocess.run([*plain, str(subject.repo), str(Path(tmp) / "b.git")], check=True)
            t2 = time.perf_counter()
            shallow = ["git", "clone", "--bare", "--quiet", "--depth", "1"]
            subprocess.run(
                [*shallow, f"file://{subject.repo}", str(Path(tmp) / "c.git")], check=True
            )
            t3 = time.perf_counter()
            fetched = fetch.Fetched(
                str(subject.repo),
                Path(tmp) / "a.git",
                git.resolve_commit(Path(tmp) / "a.git", "main"),
                "main",
            )
            fetch.submission_tree(fetched, 1 << 30)
            t4 = time.perf_counter()
            analyse_history(
                fetched.repo_dir,
                fetched.commit,
                starter_dir=subject.prepared.challenge.root / "starter",
            )
            t5 = time.perf_counter()
        for key, value in zip(out, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            out[key].append(value)
    return {key: summary(values) for key, values in out.items()}


def cold_start(bench: Bench, subject: Subject, reps: int) -> dict[str, Any]:
    """A fresh process's first gradings, as a `grader grade` or a newly started worker
    has them: imports, the Docker connection, prepare(), then grade() three times with
    pauses between (a warm pool, where there is one, refills meanwhile). The overheads
    are each grading's wall time minus its suite's own run."""
    snippet = (
        "import json, sys, time\n"
        "t0 = time.perf_counter()\n"
        "# what `grader worker` has loaded before its first job\n"
        "import grader.cli, grader.worker, grader.jobs, grader.engine, rq, alembic.command\n"
        "t1 = time.perf_counter()\n"
        "# what the first job imports on top (jobs._grade, services, prepare, notify)\n"
        "import grader.pipeline, grader.fetch, grader.prepare, grader.images\n"
        "import grader.sandbox, grader.notify\n"
        "t2 = time.perf_counter()\n"
        "from grader.jobs import GradingService\n"
        "from grader.config import get_settings\n"
        "svc = GradingService(get_settings())\n"
        "svc.services()\n"
        "t3 = time.perf_counter()\n"
        "svc.prepared(sys.argv[1], None)\n"
        "t4 = time.perf_counter()\n"
        "prepared = svc.prepared(sys.argv[1], None)\n"
        "t5 = time.perf_counter()\n"
        "from grader.fetch import FetchPolicy\n"
        "from grader.pipeline import grade\n"
        "overheads = []\n"
        "try:\n"
        "    for _ in range(3):\n"
        "        started = time.perf_counter()\n"
        "        done = grade(prepared, sys.argv[2], 'main', settings=svc.settings,\n"
        "                     sandbox=svc.services()[1],\n"
        "                     policy=FetchPolicy(allow_local=True))\n"
        "        overheads.append(time.perf_counter() - started - done.artifacts.duration_s)\n"
        "        time.sleep(1.5)\n"
        "finally:\n"
        "    getattr(svc, 'close', lambda: None)()\n"
        "print(json.dumps([t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, *overheads]))\n"
    )
    keys = (
        "worker_imports",
        "first_job_imports",
        "engine_connect",
        "prepare_cold",
        "prepare_cached",
        "grading_1_overhead",
        "grading_2_overhead",
        "grading_3_overhead",
    )
    out: dict[str, list[float]] = {k: [] for k in (*keys, "interpreter_total")}
    for _ in range(reps):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", snippet, str(subject.path), str(subject.repo)],
            cwd=PROJECT_ROOT,
            env=bench.env,
            capture_output=True,
            check=True,
        )
        out["interpreter_total"].append(time.perf_counter() - started)
        for key, value in zip(keys, json.loads(done.stdout), strict=True):
            out[key].append(value)
    return {key: summary(values) for key, values in out.items()}


def top_functions(profile: cProfile.Profile, count: int) -> list[dict[str, Any]]:
    """The grader's own functions by cumulative time (the main thread: the stream reader's
    thread shows up as the time spent waiting in engine.client.Engine._feed_and_wait)."""
    stats = pstats.Stats(profile)
    package = str(PROJECT_ROOT / "grader") + os.sep
    rows = []
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, line, function), (_cc, calls, tottime, cumtime, _callers) in table.items():
        if not filename.startswith(package):
            continue
        rows.append(
            {
                "function": f"{filename.removeprefix(package)}:{line}({function})",
                "calls": calls,
                "tottime_s": round(tottime, 4),
                "cumtime_s": round(cumtime, 4),
            }
        )
    rows.sort(key=lambda r: r["cumtime_s"], reverse=True)
    return rows[:count]


# -- targets and the table ----------------------------------------------------------------------
