"""`python -m scripts.bench` (what `make bench` runs): the options, one run, the JSON written
and the table printed. ``--help`` lists every option; see docs/benchmark.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import scripts.bench
from scripts.bench.harness import Bench
from scripts.bench.report import (
    render,
    render_machine_profile,
    render_services,
    render_throughput,
)
from scripts.bench.run import (
    run,
    run_lifecycle_only,
    run_machine_profile_only,
    run_services_only,
    run_throughput_only,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    description = (scripts.bench.__doc__ or "").splitlines()[0]
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=description)
    parser.add_argument("--runs", type=int, default=15, help="latency runs per path (15)")
    parser.add_argument(
        "--heavy-runs",
        type=int,
        default=None,
        help="latency runs per path on the heavy challenge (default: a quarter of --runs, >= 3)",
    )
    parser.add_argument(
        "--jobs", type=int, default=16, help="gradings per throughput configuration (16)"
    )
    parser.add_argument("--small", default="word-frequency", help="the small challenge")
    parser.add_argument(
        "--heavy",
        default="todo-api,orders-sqlite,synthetic",
        help="the heavier challenge: the first of these that prepares (synthetic: generated)",
    )
    parser.add_argument(
        "--services-challenge",
        default="ledger-postgres",
        help="the challenge with sidecar services, graded cold and warm (ledger-postgres)",
    )
    parser.add_argument(
        "--throughput-challenges",
        default="small",
        help="which challenges (small, heavy or ids, comma-separated) get throughput runs",
    )
    parser.add_argument("--profile-reps", type=int, default=3, help="repetitions in the profile")
    parser.add_argument("--output", default="bench-results.json", help="where the JSON goes")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("GRADER_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
        help="a Redis database for the bench alone: it must be empty (or --redis-flush); "
        "it is flushed at the end (db 15 is the tests', db 14 make soak's --shared-services)",
    )
    parser.add_argument(
        "--redis-flush", action="store_true", help="flush the Redis database even if not empty"
    )
    parser.add_argument(
        "--settle", type=float, default=0.5, help="pause between latency measurements (s)"
    )
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=0.0,
        help="poll the report this often (s) instead of waiting for it with ?wait= (0)",
    )
    parser.add_argument("--memory-interval", type=float, default=0.2, help="RSS sampling (s)")
    parser.add_argument("--seed", type=int, default=9, help="seed of the interleaving order")
    parser.add_argument(
        "--quick", action="store_true", help="no warm-up, 2 jobs per throughput run, short profile"
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench's data folder")
    parser.add_argument(
        "--only",
        choices=["services", "machine-profile", "lifecycle", "throughput"],
        help="run one phase alone (services: the PostgreSQL challenge cold and warm; "
        "machine-profile: every process's CPU per grading, by role, --runs gradings; "
        "lifecycle: a container's CPU with and without each group of the sandbox's options; "
        "throughput: gradings per minute with 1 and 2 workers against both references)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.jobs = min(args.jobs, 2)
    args.runs = max(args.runs, 1)
    if args.heavy_runs is None:
        args.heavy_runs = max(3, args.runs // 4)
    args.heavy_runs = min(max(args.heavy_runs, 1), args.runs)
    return args


@contextlib.contextmanager
def _bench(args: argparse.Namespace) -> Iterator[Bench]:
    bench = Bench(args)
    try:
        yield bench
    finally:
        bench.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    phases = {
        "services": run_services_only,
        "machine-profile": run_machine_profile_only,
        "lifecycle": run_lifecycle_only,
        "throughput": run_throughput_only,
    }
    renderers = {
        "services": render_services,
        "machine-profile": render_machine_profile,
        "lifecycle": render_machine_profile,
        "throughput": render_throughput,
    }
    with _bench(args) as bench:
        results = phases.get(args.only or "", run)(bench)
    output = Path(args.output)
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(renderers.get(args.only or "", render)(results))
    print(f"\nwritten: {output.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
