"""What a container's lifecycle costs in CPU, with the sandbox's options and without them.

Two workers are bounded by the CPU a grading costs machine-wide, and a
hardened container's lifecycle (create, start, wait, remove) is the largest
share above the suite itself. Which part of it is ours to cut? Each variant
runs ``/bin/true`` in a container of the sandbox's image, created as the
sandbox creates it less one group of options (its tmpfs and bind mounts, its
private IPC and /dev/shm, its ulimits, its resource limits), or as plainly as
Docker allows, or removed by the engine itself (``auto_remove``). The CPU of
dockerd, containerd, the shims, runc and this process is counted exactly
(scripts/bench/accounting.py), per lifecycle, in rounds whose order is
shuffled, so that load drifting meanwhile falls on every variant alike.
"""

from __future__ import annotations

import contextlib
import random
import statistics
from collections.abc import Callable
from typing import Any

import docker

from grader.engine.specs import create_kwargs
from grader.sandbox import SandboxJob
from scripts.bench import accounting
from scripts.bench.harness import Bench
from scripts.bench.subjects import Subject

RUNTIME_ROLES = ("dockerd", "containerd", "containerd-shim and runc", "grader process (this one)")
BENCH_LABEL = {"grader.bench": "lifecycle"}


def variants(base: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The sandbox's creation arguments, and each alternative to them."""

    def without(*keys: str, **changes: Any) -> dict[str, Any]:
        kwargs = {k: v for k, v in base.items() if k not in keys}
        return kwargs | changes

    return {
        "as the sandbox": dict(base),
        "without its tmpfs and bind mounts": without("tmpfs", "mounts"),
        "without private IPC and /dev/shm": without("ipc_mode", "shm_size"),
        "without its ulimits": without("ulimits"),
        "without memory, CPU and pids limits": without(
            "mem_limit", "memswap_limit", "nano_cpus", "pids_limit"
        ),
        "as plain as Docker allows": {
            "entrypoint": ["/bin/true"],
            "network_mode": "none",
            "labels": BENCH_LABEL,
            "detach": True,
        },
        "as the sandbox, removed by the engine (auto_remove)": dict(base) | {"auto_remove": True},
    }


def lifecycle(bench: Bench, subject: Subject, rounds: int = 3, reps: int = 6) -> dict[str, Any]:
    """CPU seconds per lifecycle of each variant, median over ``rounds`` shuffled rounds."""
    challenge = subject.prepared.challenge
    spec = bench.sandbox.spec(
        SandboxJob(subject.image, b"", challenge.hidden_dir, challenge.limits)
    )
    base = create_kwargs(spec) | {
        "entrypoint": ["/bin/true"],
        "stdin_open": False,
        "labels": BENCH_LABEL,
    }
    found = variants(base)
    samples: dict[str, list[float]] = {name: [] for name in found}
    order = list(found)
    for _ in range(rounds):
        random.shuffle(order)
        for name in order:
            once = _runner(bench, subject.image, found[name])
            once()  # warm: the image's layers and the engine's caches
            measured = accounting.profile(once, reps, settle_s=0.3)
            if "error" in measured:
                return {"error": measured["error"]}
            per = measured["cpu_s_per_grading"]
            samples[name].append(sum(per.get(role, 0.0) for role in RUNTIME_ROLES))
    reference = statistics.median(samples["as the sandbox"])
    return {
        name: {
            "cpu_s_median": round(statistics.median(values), 4),
            "samples": [round(v, 4) for v in values],
            "vs_sandbox": round(statistics.median(values) / reference, 3),
        }
        for name, values in samples.items()
    }


def _runner(bench: Bench, image: str, kwargs: dict[str, Any]) -> Callable[[], None]:
    auto = bool(kwargs.get("auto_remove"))

    def once() -> None:
        container = bench.client.containers.create(image, **kwargs)
        container.start()
        with contextlib.suppress(docker.errors.NotFound):  # auto_remove: already gone
            container.wait(timeout=60, condition="removed" if auto else "not-running")
        if not auto:
            container.remove(force=True)

    return once
