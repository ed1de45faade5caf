"""Metrics kept in a real Redis by workers, read back as Prometheus text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import CollectorRegistry
from redis import Redis
from rq import Queue, Worker

from grader import metrics, metrics_collector
from tests.support.services import free_port, redis_server


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Redis]:
    with redis_server(tmp_path / "redis") as server:
        yield Redis.from_url(server.url)


def scrape(client: Redis) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    registry = CollectorRegistry()
    registry.register(metrics_collector.RedisCollector(client, "grading"))
    text = generate_latest(registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_gradings_latency_and_counters_add_up_across_recorders(client: Redis) -> None:
    one, two = metrics.Recorder(client), metrics.Recorder(client)  # two workers
    one.graded("graded", {"sandbox": 0.7, "fetch": 0.05}, 3.2)
    two.graded("graded", {"sandbox": 1.5}, 40.0)
    two.graded("tampered", {"sandbox": 0.3}, None)
    one.count("infrastructure_failures")
    seen = scrape(client)
    assert seen[("grader_gradings_total", (("status", "graded"),))] == 2
    assert seen[("grader_gradings_total", (("status", "tampered"),))] == 1
    assert seen[("grader_infrastructure_failures_total", ())] == 1
    assert seen[("grader_sandbox_start_failures_total", ())] == 0
    sandbox = lambda le: seen[  # noqa: E731
        ("grader_grading_seconds_bucket", (("le", le), ("stage", "sandbox")))
    ]
    assert (sandbox("0.25"), sandbox("0.5"), sandbox("1.0"), sandbox("2.5")) == (0, 1, 2, 3)
    assert sandbox("+Inf") == 3
    assert seen[("grader_grading_seconds_count", (("stage", "sandbox"),))] == 3
    assert seen[("grader_grading_seconds_sum", (("stage", "sandbox"),))] == pytest.approx(2.5)
    assert seen[("grader_grading_seconds_count", (("stage", "total"),))] == 2


def test_queue_depth_workers_and_warm_pools_are_read_live(client: Redis) -> None:
    queue = Queue("grading", connection=client)
    queue.enqueue_call("grader.jobs.run_grading", args=("s1",))
    queue.enqueue_call("grader.jobs.run_grading", args=("s2",))
    worker = Worker([queue], connection=client, name="host:42-0")
    worker.register_birth()
    worker.heartbeat()
    metrics.Recorder(client).warm("host:42", 2)
    seen = scrape(client)
    assert seen[("grader_queue_jobs", (("queue", "grading"), ("state", "queued")))] == 2
    assert seen[("grader_queue_jobs", (("queue", "grading"), ("state", "failed")))] == 0
    assert 0 <= seen[("grader_worker_heartbeat_age_seconds", (("worker", "host:42-0"),))] < 60
    assert seen[("grader_warm_sandboxes", (("worker", "host:42"),))] == 2


def test_recording_never_fails_a_grading_and_lands_when_redis_is_there(client: Redis) -> None:
    metrics.use(Redis.from_url(f"redis://127.0.0.1:{free_port()}/0"))
    try:
        metrics.record_graded("graded", {"sandbox": 1.0}, 2.0)  # Redis down: swallowed
        metrics.record("infrastructure_failures")
        metrics.record_warm("w", 1)
        metrics.use(client)
        metrics.record("sandbox_start_failures")
    finally:
        metrics.RECORDER = None
    metrics.record("sandbox_start_failures")  # outside a worker: not recorded
    seen = scrape(client)
    assert seen[("grader_sandbox_start_failures_total", ())] == 1
    assert seen[("grader_infrastructure_failures_total", ())] == 0
