"""What the server's ``/metrics`` shows: the workers' metrics (grader/metrics.py) read back
from Redis at each scrape, with the queue's depth and the workers' heartbeats, as
Prometheus metric families.

Apart from grader/metrics.py so that recording (the engine, every worker) never
imports Prometheus' client or rq; only the server reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from redis import Redis
from rq import Queue, Worker
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from grader.metrics import BUCKETS, COUNTERS, KEY, bucket_label
from grader.timestamps import utc


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
                cumulative += fields.get(bucket_label(bound), 0.0)
                buckets.append((bucket_label(bound), cumulative))
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
