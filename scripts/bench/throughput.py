"""Throughput: gradings per minute with one and two lanes, the grader's workers against the same
number of lanes of each reference, in alternating batches.

The grader's workers stay up across its batches; its wall time is taken from
the stamps the workers stored, and its queued gradings' timelines are
summarised (``api_queue.queue_summary``).
"""

from __future__ import annotations

import os
import time
from typing import Any

from scripts.bench.api_queue import grader_batch, job_detail, queue_summary
from scripts.bench.common import log
from scripts.bench.harness import Bench
from scripts.bench.machine import busy_s
from scripts.bench.naive import naive_throughput
from scripts.bench.physical import reference_runs


def throughput(bench: Bench) -> dict[str, Any]:
    """Gradings per minute with 1 and 2 lanes: references and grader in alternating
    batches of 2 jobs per lane (the grader's workers stay up across its batches), so that
    each kind sees the same spells of load from the rest of the machine."""
    out: dict[str, Any] = {}
    names = bench.args.throughput_challenges.split(",")
    subjects = [s for s in bench.subjects if s.label in names or s.id in names]
    for subject in subjects:
        per: dict[str, Any] = {}
        for lanes in (1, 2):
            batch = 2 * lanes
            rounds = max(1, -(-bench.args.jobs // batch))
            walls = {"reference_physical": 0.0, "grader": 0.0, "naive": 0.0}
            # The machine's busy CPU over each kind's batches: what a job costs in all, and
            # how much of the cores the kind kept busy (idle cores mean it waited, not worked).
            busy = dict.fromkeys(walls, 0.0)
            windows = dict.fromkeys(walls, 0.0)
            ids: list[str] = []
            workers = bench.start_workers(lanes, f"x{lanes}")
            try:
                for _round in range(rounds):
                    order = list(walls)
                    bench.rng.shuffle(order)
                    for kind in order:
                        cpu_before, window_start = busy_s(), time.monotonic()
                        if kind == "reference_physical":
                            ran = reference_runs(bench, subject, batch, lanes)
                            walls[kind] += ran["busy_wall_s"]
                        elif kind == "grader":
                            wall, batch_ids = grader_batch(bench, subject, batch)
                            walls[kind] += wall
                            ids += batch_ids
                        else:
                            walls[kind] += naive_throughput(bench, subject, batch, lanes)
                        busy[kind] += busy_s() - cpu_before
                        windows[kind] += time.monotonic() - window_start
            finally:
                bench.stop_workers(workers)
            jobs = rounds * batch
            log(
                f"throughput {subject.id} x{lanes} ({jobs} jobs each): "
                + ", ".join(f"{k} {v:.2f}s" for k, v in walls.items())
            )
            ref_rate = jobs / walls["reference_physical"] * 60
            per[str(lanes)] = {
                kind: {
                    "jobs": jobs,
                    "wall_s": round(wall, 3),
                    "per_minute": round(jobs / wall * 60, 2),
                    "ratio": round(jobs / wall * 60 / ref_rate, 3),
                    "cpu_s_per_job": round(busy[kind] / jobs, 3),
                    "machine_busy_fraction": round(
                        busy[kind] / max(windows[kind] * (os.cpu_count() or 1), 1e-9), 3
                    ),
                }
                for kind, wall in walls.items()
            }
            per[str(lanes)]["grader"]["queue"] = queue_summary(
                [job_detail(bench, i) for i in ids], walls["grader"], lanes
            )
        out[subject.id] = per
    return out
