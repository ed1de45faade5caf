"""One whole run: set up, every phase in turn, the machine's description, clean-up checks.

The phases run in this order (latency, throughput, profile, isolation,
services), each
logging the time elapsed; the results are one JSON document.
"""

from __future__ import annotations

import contextlib
import os
import platform
import socket
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader.store.db import migrate
from scripts.bench import accounting
from scripts.bench.common import PROJECT_ROOT, log
from scripts.bench.gradings import inprocess_once
from scripts.bench.harness import Bench
from scripts.bench.isolation import isolation
from scripts.bench.latency import latency
from scripts.bench.lifecycle import lifecycle
from scripts.bench.machine import memory_summary
from scripts.bench.profiling import profile
from scripts.bench.report import services_targets, targets, throughput_targets
from scripts.bench.services import services
from scripts.bench.subjects import prepare_subject
from scripts.bench.throughput import throughput


def run(bench: Bench) -> dict[str, Any]:
    """Every phase; the results, warnings and targets included."""
    bench.setup()
    log(
        f"set up ({bench.elapsed()}); latency: {bench.args.runs} runs per path "
        f"({bench.args.heavy_runs} on the heavy challenge)"
    )
    latency_results = latency(bench)
    log(f"throughput: {bench.args.jobs} jobs per configuration ({bench.elapsed()})")
    throughput_results = throughput(bench)
    log(f"profile ({bench.elapsed()})")
    profile_results = profile(bench)
    log(f"isolation ({bench.elapsed()})")
    isolation_results = isolation(bench)
    log(f"services ({bench.elapsed()})")
    services_results = services(bench)
    memory = memory_summary(bench.sampler)
    for process in list(bench.processes):
        bench.stop(process)
    getattr(bench.sandbox, "close", lambda: None)()
    time.sleep(2)  # background removals finish
    left = [c.short_id for c in bench.leftovers()]
    if left:
        bench.warnings.append(
            f"{len(left)} sandbox(es) left running after every worker stopped: {left}"
        )
    results: dict[str, Any] = {
        "meta": meta(bench),
        "challenges": {
            s.label: {
                "id": s.id,
                "tests": len(s.prepared.test_ids),
                "image": s.image,
                "language": s.prepared.challenge.language,
                "timeout_s": s.prepared.challenge.limits.timeout_s,
            }
            for s in bench.subjects
        },
        "latency": latency_results,
        "throughput": throughput_results,
        "memory": memory,
        "profile": profile_results,
        "isolation": isolation_results,
        "services": services_results,
        "warnings": bench.warnings,
    }
    results["targets"] = targets(results, bench.subjects[0].id)
    results["meta"]["duration_s"] = round(time.monotonic() - bench.started, 1)
    return results


def run_services_only(bench: Bench) -> dict[str, Any]:
    """The services phase alone (``--only services``), with its target."""
    migrate(bench.settings.effective_database_url)
    log(f"services ({bench.elapsed()})")
    results: dict[str, Any] = {"meta": meta(bench), "services": services(bench)}
    results["targets"] = services_targets(results)
    results["warnings"] = bench.warnings
    results["meta"]["duration_s"] = round(time.monotonic() - bench.started, 1)
    return results


def run_throughput_only(bench: Bench) -> dict[str, Any]:
    """The throughput phase alone (``--only throughput``), with its targets."""
    bench.setup()
    log(f"throughput: {bench.args.jobs} jobs per configuration ({bench.elapsed()})")
    results: dict[str, Any] = {"meta": meta(bench), "throughput": throughput(bench)}
    results["targets"] = throughput_targets(results)
    results["warnings"] = bench.warnings
    results["meta"]["duration_s"] = round(time.monotonic() - bench.started, 1)
    return results


def run_machine_profile_only(bench: Bench) -> dict[str, Any]:
    """The machine-wide profile alone (``--only machine-profile``): the small challenge's
    in-process gradings, every process's CPU by role (scripts/bench/accounting.py)."""
    migrate(bench.settings.effective_database_url)
    subject = prepare_subject(
        "small", [bench.args.small], bench.settings, bench.builder, bench.sandbox, bench.warnings
    )
    bench.subjects.append(subject)
    log(f"machine-wide profile ({bench.elapsed()})")
    results: dict[str, Any] = {"meta": meta(bench), "profile": {"challenge": subject.id}}
    results["profile"]["machine"] = machine_profile(bench, subject, max(bench.args.runs, 3))
    results["targets"] = []
    results["warnings"] = bench.warnings
    results["meta"]["duration_s"] = round(time.monotonic() - bench.started, 1)
    return results


def run_lifecycle_only(bench: Bench) -> dict[str, Any]:
    """The container lifecycle's alternatives alone (``--only lifecycle``)."""
    migrate(bench.settings.effective_database_url)
    subject = prepare_subject(
        "small", [bench.args.small], bench.settings, bench.builder, bench.sandbox, bench.warnings
    )
    bench.subjects.append(subject)
    log(f"container lifecycle alternatives ({bench.elapsed()})")
    results: dict[str, Any] = {"meta": meta(bench), "profile": {"challenge": subject.id}}
    results["profile"]["lifecycle"] = lifecycle(bench, subject)
    results["targets"] = []
    results["warnings"] = bench.warnings
    results["meta"]["duration_s"] = round(time.monotonic() - bench.started, 1)
    return results


def machine_profile(bench: Bench, subject: Any, gradings: int) -> dict[str, Any]:
    inprocess_once(bench, subject)  # warm: the pool holds a started sandbox, imports are done
    time.sleep(2)
    return accounting.profile(lambda: inprocess_once(bench, subject), gradings)


def meta(bench: Bench) -> dict[str, Any]:
    """The commit, the date, the machine, the engine and the arguments of this run."""

    def out(*command: str) -> str:
        try:
            return subprocess.run(
                command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=30
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    mem_kb = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem_kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    info = bench.client.info()
    return {
        "git_commit": out("git", "rev-parse", "HEAD"),
        "git_dirty": bool(out("git", "status", "--porcelain", "--untracked-files=no")),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "hostname": socket.gethostname(),
            "platform": platform.platform(),
            "cpu": cpu,
            "cpus": os.cpu_count(),
            "memory_mb": mem_kb // 1024,
            "load_average_at_end": list(os.getloadavg()),
            "python": platform.python_version(),
            "docker": info.get("ServerVersion"),
            "storage_driver": info.get("Driver"),
            "cgroup": info.get("CgroupVersion"),
        },
        "runtime": bench.settings.runtime,
        "args": {k: v for k, v in vars(bench.args).items() if k != "output"},
    }
