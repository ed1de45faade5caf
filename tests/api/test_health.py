"""/healthz, /readyz and `grader doctor`, against a real Redis and database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue, Worker

from grader import health
from tests.api.pages_fixtures import World, fresh_world, reports
from tests.support.services import free_port, redis_server

__all__ = ["fresh_world", "reports"]


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with redis_server(tmp_path / "redis") as server:
        yield server.url


def use_redis(world: World, url: str) -> None:
    world.app.state.settings = world.settings.model_copy(update={"redis_url": url})


def test_healthz_answers_without_a_token(fresh_world: World) -> None:
    answer = fresh_world.client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok" and answer.json()["service"] == "grader"


def test_readyz_is_503_until_a_worker_has_a_heartbeat(fresh_world: World, redis_url: str) -> None:
    use_redis(fresh_world, redis_url)
    answer = fresh_world.client.get("/readyz")
    assert answer.status_code == 503
    checks = {c["name"]: c for c in answer.json()["checks"]}
    assert checks["database"]["ok"] and checks["redis"]["ok"]
    assert not checks["workers"]["ok"] and checks["workers"]["fix"] == "start one: grader worker"

    client = Redis.from_url(redis_url)
    worker = Worker([Queue("grading", connection=client)], connection=client, name="w-test")
    worker.register_birth()
    worker.heartbeat()
    answer = fresh_world.client.get("/readyz")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "ready"
    assert {c["name"]: c["detail"] for c in answer.json()["checks"]}["workers"] == "1 live: w-test"


def test_readyz_says_redis_is_down(fresh_world: World) -> None:
    use_redis(fresh_world, f"redis://127.0.0.1:{free_port()}/0")
    answer = fresh_world.client.get("/readyz")
    assert answer.status_code == 503
    checks = {c["name"]: c for c in answer.json()["checks"]}
    assert not checks["redis"]["ok"] and "GRADER_REDIS_URL" in checks["redis"]["fix"]
    assert checks["database"]["ok"]


def test_a_check_that_cannot_be_made_fails_with_its_reason(fresh_world: World) -> None:
    broken = fresh_world.settings.model_copy(update={"database_url": "sqlite:////nonexistent/x.db"})
    check = health._guard("database", health.database, broken)
    assert not check.ok and "OperationalError" in check.detail


def test_doctor_names_what_to_fix_and_exits_1(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "GRADER_DATA_DIR": str(tmp_path / "data"),
        "GRADER_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "GRADER_PUBLIC_URL": f"http://127.0.0.1:{free_port()}",
    }
    env.pop("GRADER_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "grader.cli", "doctor"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("FAIL  redis") for line in lines), done.stdout
    assert any(line.startswith("FAIL  public URL") for line in lines), done.stdout
    assert "fix: start `grader serve`" in done.stdout
    assert any(line.startswith("FAIL  database") for line in lines), done.stdout  # none yet
    assert "fix: check GRADER_DATABASE_URL" in done.stdout
    assert any(line.startswith("ok    disk") for line in lines), done.stdout


def test_metrics_are_prometheus_text_and_503_without_redis(
    fresh_world: World, redis_url: str
) -> None:
    use_redis(fresh_world, redis_url)
    answer = fresh_world.client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=")
    assert "# TYPE grader_gradings_total counter" in answer.text
    assert 'grader_queue_jobs{queue="grading",state="queued"} 0.0' in answer.text
    use_redis(fresh_world, f"redis://127.0.0.1:{free_port()}/0")
    down = fresh_world.client.get("/metrics")
    assert down.status_code == 503 and "Redis" in down.text
