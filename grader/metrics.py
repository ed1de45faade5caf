"""Prometheus metrics, kept in Redis so that every worker on every host adds to them.

Workers record as things happen (``record_*``: gradings by final status, the
grading's latency from submit to stored and each stage's, infrastructure
failures, sandbox start failures, their warm-pool size); the server's
``/metrics`` reads them back with the queue depth and the workers' heartbeats
(grader/metrics_collector.py) and renders them with the official client. Counters and
histogram buckets are Redis hash fields that only ever grow, so they keep
Prometheus' counter semantics across workers and restarts; the gauges of a
worker expire with it. Recording never fails a grading: without Redis, or
outside a worker (``RECORDER`` unset), a ``record_*`` call does nothing.

This module imports neither Redis nor Prometheus' client: the engine records
through it, and a ``grader grade`` (no worker, nothing recorded) should not pay
for their import.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redis import Redis

log = logging.getLogger("grader.metrics")
KEY = "grader:metrics:"
BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, math.inf)
GAUGE_TTL_S = 120  # a worker's warm-pool gauge outlives it by this much at most
COUNTERS = {
    "infrastructure_failures": "Gradings that failed on our side and were queued again",
    "sandbox_start_failures": "Sandboxes that could not be created or started",
}


class Recorder:
    """A worker's writes; every method swallows Redis errors (metrics are best effort)."""

    def __init__(self, client: Redis) -> None:
        # Here rather than atop the module (see its docstring): a process that records has
        # a Redis client, so redis is imported already.
        from redis.exceptions import RedisError

        self.client = client
        self.errors = RedisError

    def graded(self, status: str, stages: Mapping[str, float], total_s: float | None) -> None:
        pipe = self.client.pipeline()
        pipe.hincrby(KEY + "gradings", status, 1)
        for stage, seconds in {**stages, **({"total": total_s} if total_s else {})}.items():
            _observe(pipe, stage, float(seconds))
        self._send(pipe)

    def count(self, name: str) -> None:
        self._send(self.client.pipeline().hincrby(KEY + "counters", name, 1))

    def warm(self, worker: str, size: int) -> None:
        self._send(self.client.pipeline().set(KEY + f"warm:{worker}", size, ex=GAUGE_TTL_S))

    def _send(self, pipe: Any) -> None:
        try:
            pipe.execute()
        except self.errors as exc:
            log.debug("metrics not recorded: %s", exc)


def _observe(pipe: Any, stage: str, seconds: float) -> None:
    bucket = next(b for b in BUCKETS if seconds <= b)
    key = KEY + f"latency:{stage}"
    pipe.hincrby(key, bucket_label(bucket), 1)
    pipe.hincrbyfloat(key, "sum", seconds)
    pipe.hincrby(key, "count", 1)


def bucket_label(bound: float) -> str:
    return "+Inf" if math.isinf(bound) else repr(bound)


RECORDER: Recorder | None = None  # set by the worker at start


def use(client: Redis) -> None:
    global RECORDER
    RECORDER = Recorder(client)


def record_graded(status: str, stages: Mapping[str, float], total_s: float | None) -> None:
    if RECORDER is not None:
        RECORDER.graded(status, stages, total_s)


def record(name: str) -> None:
    if RECORDER is not None:
        RECORDER.count(name)


def record_warm(worker: str, size: int) -> None:
    if RECORDER is not None:
        RECORDER.warm(worker, size)
