"""Latency: every path graded in turn, interleaved in a random order each iteration, so that
the ratios stay meaningful on a shared, noisy machine.

The paths: reference 1 (the physical limit), reference 2 (the naive grader),
the grader in-process, as ``grader grade``, and through the API and the queue.
Each is summarised as median and p95, with its overhead against reference 1's
run of the same iteration and against its own suite's run.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from scripts.bench.api_queue import api_once
from scripts.bench.common import STAGES, grade_seconds, log, summary
from scripts.bench.gradings import cli_once, inprocess_once
from scripts.bench.harness import Bench
from scripts.bench.naive import naive_once
from scripts.bench.physical import reference_runs
from scripts.bench.recorder import SPLIT
from scripts.bench.subjects import Subject


def latency(bench: Bench) -> dict[str, Any]:
    """``--runs`` iterations of every path (fewer on the heavy challenge), with one worker."""
    runs = bench.args.runs
    bench.start_api()
    workers = bench.start_workers(1, "api")
    methods: dict[str, Callable[[Subject], Any]] = {
        "reference": lambda s: reference_runs(bench, s, 1)["durations"][0],
        "naive": lambda s: naive_once(bench, s),
        "inprocess": lambda s: inprocess_once(bench, s),
        "cli": lambda s: cli_once(bench, s),
        "api_queue": lambda s: api_once(bench, s),
    }
    raw: dict[str, dict[str, list[Any]]] = {
        s.id: {name: [] for name in methods} for s in bench.subjects
    }
    try:
        if not bench.args.quick:
            log("warm-up: one run of every path")
            for subject in bench.subjects:
                for method in methods.values():
                    method(subject)
        for iteration in range(runs):
            for subject in bench.subjects:
                if subject.label == "heavy" and iteration >= bench.args.heavy_runs:
                    continue
                order = list(methods)
                bench.rng.shuffle(order)
                for name in order:
                    raw[subject.id][name].append(methods[name](subject))
                    # Let the last grading's background work (a warm pool's refill, a
                    # removal) end, so that it does not land on the next measurement.
                    time.sleep(bench.args.settle)
            log(f"latency: iteration {iteration + 1}/{runs} done ({bench.elapsed()})")
    finally:
        bench.stop_workers(workers)
    return latency_summary(bench, raw)


def latency_summary(bench: Bench, raw: dict[str, dict[str, list[Any]]]) -> dict[str, Any]:
    """Per challenge: each path's summary, its overheads, the stages and the sandbox split."""
    out: dict[str, Any] = {}
    for subject in bench.subjects:
        data = raw[subject.id]
        ref = summary(data["reference"])
        walls = {
            "naive": data["naive"],
            "inprocess": [r["wall_s"] for r in data["inprocess"]],
            "cli": [r["wall_s"] for r in data["cli"]],
            "api_queue": [r["wall_s"] for r in data["api_queue"]],
        }
        entry: dict[str, Any] = {"reference_physical": ref}
        for name, samples in walls.items():
            entry[name] = summary(samples, ref)
            # Paired with the reference run of the same iteration: what is not the suite.
            paired = [w - r for w, r in zip(samples, data["reference"], strict=True)]
            entry[name]["overhead_vs_reference"] = summary(paired, ref)
        # Everything that is not the suite's own run, as the supervisor timed it in that run.
        # "The suite's own run" is the challenge's suite: the planted tests are the grader's.
        own = [r["wall_s"] - r["suite_s"] + r["tripwire_tests_s"] for r in data["inprocess"]]
        entry["inprocess"]["overhead_vs_own_suite_run"] = summary(own, ref)
        own = [r["wall_s"] - r["suite_s"] + r["tripwire_tests_s"] for r in data["api_queue"]]
        entry["api_queue"]["overhead_vs_own_suite_run"] = summary(own, ref)
        # The CLI prints no suite time: its suite is taken to run as long as the in-process
        # gradings' did (their median), the same code on the same tree.
        suite = statistics.median(r["suite_s"] - r["tripwire_tests_s"] for r in data["inprocess"])
        own = [r["wall_s"] - suite for r in data["cli"]]
        entry["cli"]["overhead_vs_own_suite_run"] = summary(own, ref)
        entry["cli"]["overhead_vs_own_suite_run"]["estimated"] = True
        entry["stages"] = {
            stage: summary([r["timings"].get(stage, 0.0) for r in data["inprocess"]], ref)
            for stage in STAGES
        }
        entry["stages_cli"] = {
            stage: summary([float(r["timings"].get(stage, 0.0)) for r in data["cli"]], ref)
            for stage in STAGES
        }
        entry["stages_worker"] = {
            stage: summary([float(r["timings"].get(stage, 0.0)) for r in data["api_queue"]], ref)
            for stage in STAGES
        }
        split: dict[str, Any] = {}
        for part in SPLIT:
            split[part] = summary([r["split"].get(part, 0.0) for r in data["inprocess"]], ref)
        split["suite_in_container"] = summary([r["suite_s"] for r in data["inprocess"]], ref)
        split["run_minus_suite"] = summary(
            [r["split"].get("run", 0.0) - r["suite_s"] for r in data["inprocess"]], ref
        )
        split["host_side_rest"] = summary(
            [
                r["timings"].get("sandbox", 0.0) - sum(r["split"].get(p, 0.0) for p in SPLIT)
                for r in data["inprocess"]
            ],
            ref,
        )
        split["tripwire_tests"] = summary([r["tripwire_tests_s"] for r in data["inprocess"]], ref)
        split["tripwires_planted"] = statistics.median(r["tripwires"] for r in data["inprocess"])
        split["warm_fraction"] = round(
            statistics.mean(r["split"].get("warm", 0.0) for r in data["inprocess"]), 3
        )
        split["prestart_fraction"] = round(
            statistics.mean(float(r.get("prestart_used", False)) for r in data["inprocess"]), 3
        )
        ready = [r["prestart_ready_s"] for r in data["inprocess"] if r.get("prestart_ready_s")]
        split["prestart_ready"] = summary(ready, ref) if ready else None
        split["supervisor"] = supervisor_phases(data["inprocess"], ref)
        entry["sandbox_split"] = split
        api = data["api_queue"]
        entry["api_queue_breakdown"] = {
            key: summary([r[key] for r in api], ref)
            for key in (
                "post_s",
                "submit_to_rq_start_s",
                "rq_start_to_claim_s",
                "submit_to_running_s",
                "running_to_stored_s",
                "job_overhead_s",
                "stored_to_seen_s",
            )
        }
        cli_rest = [r["wall_s"] - grade_seconds(r["timings"]) for r in data["cli"]]
        entry["cli_outside_grade"] = summary(cli_rest, ref)
        out[subject.id] = entry
    return out


def supervisor_phases(runs: list[dict[str, Any]], ref: float) -> dict[str, Any] | None:
    """PID 1's time around the suite's clock: reading the tree, extracting it, starting the
    run (the suite's run minus its clock and its end), the end after the clock, and what
    is not PID 1's (its exit, seen through the runtime and the engine)."""
    timed = [r for r in runs if r.get("phases", {}).keys() >= {"tree_s", "extract_s", "suite_s"}]
    if not timed:
        return None
    parts = {
        "tree": [r["phases"]["tree_s"] for r in timed],
        "extract": [r["phases"]["extract_s"] for r in timed],
        "start": [
            r["phases"]["suite_s"] - r["suite_s"] - r["phases"].get("end_s", 0.0) for r in timed
        ],
        "end": [r["phases"].get("end_s", 0.0) for r in timed],
        # the rest of "tree sent -> stream closed": the header's way in, and after the frame,
        # PID 1's exit through the runtime until the engine closes the stream
        "exit": [
            r["split"].get("run", 0.0)
            - r["phases"]["tree_s"]
            - r["phases"]["extract_s"]
            - r["phases"]["suite_s"]
            for r in timed
        ],
    }
    return {name: summary(values, ref) for name, values in parts.items()}
