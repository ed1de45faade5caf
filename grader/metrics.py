"""Prometheus metrics, kept in Redis so that every worker on every host adds to them.

Workers record as things happen (``record_*``: gradings by final status, the
grading's latency from submit to stored and each stage's, infrastructure
failures, sandbox start failures, their warm-pool size); the server's
``/metrics`` reads them back with the queue depth and the workers' heartbeats
(``RedisCollector``) and renders them with the official client. Counters and
histogram buckets are Redis hash fields that only ever grow, so they keep
Prometheus' counter semantics across workers and restarts; the gauges of a
worker expire with it. Recording never fails a grading: without Redis, or
outside a worker (``RECORDER`` unset), a ``record_*`` call does nothing.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from grader.timestamps import utc

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
        self.client = client

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

    @staticmethod
    def _send(pipe: Any) -> None:
        try:
            pipe.execute()
        except RedisError as exc:
            log.debug("metrics not recorded: %s", exc)


def _observe(pipe: Any, stage: str, seconds: float) -> None:
    bucket = next(b for b in BUCKETS if seconds <= b)
    key = KEY + f"latency:{stage}"
    pipe.hincrby(key, _le(bucket), 1)
    pipe.hincrbyfloat(key, "sum", seconds)
    pipe.hincrby(key, "count", 1)


def _le(bound: float) -> str:
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


class RedisCollector(Collector):
    """What /metrics shows, read from Redis at each scrape."""

    def __init__(self, client: Redis, queue: str) -> None:
        self.client = client
        self.queue = queue

    def collect(self) -> Iterator[Metric]:
        gradings = CounterMetricFamily(
            "grader_gradings", "Gradings by final status", labels=["status"]
        )
        for status, count in sorted(self._hash("gradings").items()):
            gradings.add_metric([status], count)
        yield gradings
        counters = self._hash("counters")
        for name, text in COUNTERS.items():
            yield CounterMetricFamily(f"grader_{name}", text, value=counters.get(name, 0))
        yield self._latency()
        yield self._queue_depth()
        yield from self._workers()

    def _hash(self, name: str) -> dict[str, float]:
        raw = self.client.hgetall(KEY + name)
        return {_text(k): float(v) for k, v in raw.items()}

    def _latency(self) -> HistogramMetricFamily:
        family = HistogramMetricFamily(
            "grader_grading_seconds",
            "Seconds a grading took: total (submitted to stored) and each stage",
            labels=["stage"],
        )
        for key in sorted(self.client.scan_iter(KEY + "latency:*")):
            stage = _text(key).removeprefix(KEY + "latency:")
            fields = self._hash(f"latency:{stage}")
            cumulative, buckets = 0.0, []
            for bound in BUCKETS:
                cumulative += fields.get(_le(bound), 0.0)
                buckets.append((_le(bound), cumulative))
            family.add_metric([stage], buckets, sum_value=fields.get("sum", 0.0))
        return family

    def _queue_depth(self) -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            "grader_queue_jobs", "Jobs of the grading queue by state", labels=["queue", "state"]
        )
        queue = Queue(self.queue, connection=self.client)
        family.add_metric([self.queue, "queued"], queue.count)
        for state, registry in (
            ("started", StartedJobRegistry),
            ("scheduled", ScheduledJobRegistry),
            ("failed", FailedJobRegistry),
        ):
            family.add_metric([self.queue, state], registry(queue=queue).count)
        return family

    def _workers(self) -> Iterator[Metric]:
        beats = GaugeMetricFamily(
            "grader_worker_heartbeat_age_seconds",
            "Seconds since each worker's last heartbeat",
            labels=["worker"],
        )
        now = datetime.now(UTC)
        for worker in Worker.all(connection=self.client):
            beat = worker.last_heartbeat
            if beat is not None:
                age = (now - utc(beat)).total_seconds()
                beats.add_metric([worker.name], max(age, 0.0))
        yield beats
        warm = GaugeMetricFamily(
            "grader_warm_sandboxes", "Sandboxes each worker keeps started", labels=["worker"]
        )
        for key in sorted(self.client.scan_iter(KEY + "warm:*")):
            value = self.client.get(key)
            if value is not None:
                warm.add_metric([_text(key).removeprefix(KEY + "warm:")], float(value))
        yield warm


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
