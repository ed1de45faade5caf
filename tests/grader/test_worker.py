"""`grader worker`: its housekeeping, its recovery loop, and how it dies and is replaced."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import docker
import pytest
from rq import Queue

from grader import worker
from grader.config import Settings
from grader.engine import LABEL, OWNER_LABEL
from grader.queue import QUEUE
from grader.store import repo
from grader.store.db import session_scope
from tests.store import migrated_database
from tests.support.deployment import SOLUTION, Deployment, redis_client
from tests.support.processes import kill_tree, process_tree
from tests.support.services import RedisServer, redis_server, wait_for


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    with redis_server(tmp_path / "redis") as redis, migrated_database("sqlite", tmp_path) as url:
        deployment = Deployment.create(tmp_path / "data", url, redis.url)
        try:
            yield deployment
        finally:
            deployment.stop_workers()
            print(deployment.worker_log()[-20000:])  # shown when the test failed


def sandboxes_of(pid: int) -> list[object]:
    """The running sandbox containers a worker or its work horse started."""
    host = socket.gethostname()
    running = docker.from_env().containers.list(filters={"label": OWNER_LABEL})
    owners = {f"{host}:{member}" for member in process_tree(pid)}
    return [c for c in running if c.labels.get(OWNER_LABEL) in owners]


def grading_dirs(settings: Settings) -> list[Path]:
    return sorted((settings.data_dir / "tmp").glob("grading-*"))


@pytest.mark.docker
def test_a_worker_without_docker_refuses_to_start_and_loses_nothing(
    deployment: Deployment,
) -> None:
    submission_id = deployment.submit(deployment.bare_repo("solved"))
    codes = deployment.burst(DOCKER_HOST="unix:///nonexistent/docker.sock")
    log = deployment.worker_log()
    assert codes == [1], log
    assert "grader: connecting to the Docker engine: Docker engine unreachable" in log
    assert "Traceback" not in log
    assert deployment.history(submission_id) == ["queued"]
    queue = Queue(QUEUE, connection=redis_client(deployment.settings.redis_url))
    assert queue.job_ids == [f"grade-{submission_id}"]


@pytest.mark.docker
def test_waiting_for_the_engine_gives_up_at_its_limit_then_keeps_one_client(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "_pinged", None)
    monkeypatch.setattr(worker, "WAIT_EVERY_S", 0.05)
    beats: list[float] = []
    with monkeypatch.context() as away:
        away.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        worker.wait_for_docker(settings, 0.3, beat=lambda: beats.append(time.monotonic()))
    assert beats and worker._pinged is None
    worker.wait_for_docker(settings, 5)
    client = worker._pinged
    assert client is not None
    worker.wait_for_docker(settings, 5)
    assert worker._pinged is client


@pytest.mark.docker
def test_housekeeping_keeps_young_sandboxes_and_recovers_lost_gradings(
    deployment: Deployment,
) -> None:
    """Sandboxes younger than any grading could be may be another live worker's: they stay."""
    client = docker.from_env()
    reference = _sandbox_image(deployment)
    container = client.containers.create(reference, ["true"], labels={LABEL: "test"})
    try:
        with session_scope(deployment.url) as session:
            challenge = repo.get_challenge(session, "word-frequency")
            assert challenge is not None
            row = repo.create_submission(session, challenge=challenge, repo="/x", ref=None)
            assert repo.claim(session, row.id, "dead-host:7", lease_s=-1)
            stuck = row.id
        worker.housekeeping(deployment.settings)
        container.reload()  # still there
        assert deployment.history(stuck)[-1] == "queued"
        queue = Queue(QUEUE, connection=redis_client(deployment.settings.redis_url))
        assert queue.job_ids == [f"grade-{stuck}"]
    finally:
        container.remove(force=True)


def _sandbox_image(deployment: Deployment) -> str:
    from grader.images import load_state

    entry = load_state(deployment.settings.data_dir / "images.json").get("python")
    assert entry, "no sandbox image recorded: run `make images`"
    return entry["reference"]


def test_the_recovery_loop_survives_a_failing_round(monkeypatch: pytest.MonkeyPatch) -> None:
    rounds: list[str] = []

    def recover(settings: Settings) -> list[str]:
        rounds.append("round")
        if len(rounds) == 1:
            raise RuntimeError("database restarting")
        return []

    monkeypatch.setattr(worker, "RECOVERY_EVERY_S", 0.01)
    monkeypatch.setattr(worker, "recover", recover)
    stop = threading.Event()
    loop = threading.Thread(target=worker._recovery_loop, args=(Settings(), stop))
    loop.start()
    wait_for("three rounds ran", lambda: len(rounds) >= 3, 10)
    stop.set()
    loop.join(timeout=5)
    assert not loop.is_alive()


# A solution that takes seconds to import keeps the sandbox busy while a test acts on it.
SLOW_SOLUTION = f"import time\n\ntime.sleep(5)\n\n{SOLUTION}"


@pytest.mark.docker
def test_a_worker_stopped_with_sigterm_finishes_its_grading_first(
    deployment: Deployment,
) -> None:
    # A solution that takes seconds to import: a grading of the plain solution can end
    # (1.9 s in a CI run) between two looks at its status, and "running" is never seen.
    submission_id = deployment.submit(deployment.bare_repo("solved-slowly", SLOW_SOLUTION))
    process = deployment.start_worker()
    wait_for("the grading started", lambda: deployment.status(submission_id) == "running")
    os.kill(process.pid, signal.SIGTERM)
    assert process.wait(timeout=120) == 0, deployment.worker_log()
    assert deployment.history(submission_id) == ["queued", "running", "graded"]
    assert grading_dirs(deployment.settings) == []


def _kill_mid_grading(deployment: Deployment) -> tuple[str, list[int]]:
    """Start a worker, SIGKILL it and all it started once its sandbox runs, as if its host died.

    Returns the submission and the killed processes; the lease is then made to
    have run out, as it would have a few minutes later.
    """
    submission_id = deployment.submit(deployment.bare_repo("solved-slowly", SLOW_SOLUTION))
    process = deployment.start_worker()
    wait_for("the sandbox runs", lambda: bool(sandboxes_of(process.pid)))
    killed = process_tree(process.pid)
    kill_tree(process.pid)
    process.wait(timeout=30)
    with session_scope(deployment.url) as session:
        row = repo.get_submission(session, submission_id)
        assert row is not None and row.status == "running"
        row.lease_until = datetime.now(UTC) - timedelta(seconds=1)
    return submission_id, killed


@pytest.mark.docker
def test_a_worker_killed_mid_grading_is_replaced_and_nothing_is_graded_twice(
    deployment: Deployment,
) -> None:
    submission_id, _killed = _kill_mid_grading(deployment)
    assert deployment.burst() == [0], deployment.worker_log()
    row_now = deployment.row(submission_id)
    assert (row_now["status"], row_now["attempts"]) == ("graded", 2)
    assert row_now["report"] is not None
    assert [(s, d) for s, d, _t in deployment.events(submission_id)][1:4] == [
        ("running", deployment.events(submission_id)[1][1]),
        ("queued", "recovered: the worker's lease expired"),
        ("running", deployment.events(submission_id)[3][1]),
    ]
    assert deployment.history(submission_id)[-1] == "graded"
    assert deployment.worker_log().count(f"grader.jobs graded {submission_id}") == 1


@pytest.mark.docker
def test_the_replacement_of_a_killed_worker_removes_what_it_left(deployment: Deployment) -> None:
    _submission_id, killed = _kill_mid_grading(deployment)
    assert deployment.burst() == [0], deployment.worker_log()
    assert grading_dirs(deployment.settings) == []
    client = docker.from_env()
    host = socket.gethostname()
    for pid in killed:
        labelled = {"label": f"grader.owner={host}:{pid}"}
        assert client.containers.list(all=True, filters=labelled) == []


@pytest.mark.docker
def test_a_worker_outlives_a_redis_restart(tmp_path: Path) -> None:
    """rq quits when Redis is gone as a job ends; the worker must go on once Redis is back."""
    with redis_server(tmp_path / "redis") as redis, migrated_database("sqlite", tmp_path) as url:
        deployment = Deployment.create(tmp_path / "data", url, redis.url)
        try:
            _grade_across_a_redis_restart(deployment, redis)
        finally:
            deployment.stop_workers()
            print(deployment.worker_log()[-20000:])


def _grade_across_a_redis_restart(deployment: Deployment, redis: RedisServer) -> None:
    bare = deployment.bare_repo("solved")
    first = deployment.submit(bare)
    process = deployment.start_worker()
    wait_for("the first grading runs", lambda: deployment.status(first) == "running")
    redis.shutdown()
    wait_for("the first grading ends", lambda: deployment.status(first) == "graded")
    time.sleep(3)
    redis.start()
    second = deployment.submit(bare)
    wait_for("the second is graded", lambda: deployment.status(second) == "graded", 90)
    assert process.poll() is None
    assert deployment.history(first) == ["queued", "running", "graded"]


@pytest.mark.docker
@pytest.mark.parametrize("moment", ["while waiting for redis", "as redis goes away"])
def test_a_stop_request_wins_over_waiting_for_redis(tmp_path: Path, moment: str) -> None:
    """SIGTERM while (or just before) Redis goes away: the worker exits, it does not start a
    new rq worker and forget the request (it once outlived its harness)."""
    with redis_server(tmp_path / "redis") as redis, migrated_database("sqlite", tmp_path) as url:
        deployment = Deployment.create(tmp_path / "data", url, redis.url)
        try:
            process = deployment.start_worker()
            wait_for("the worker listens", lambda: "Listening on" in deployment.worker_log())
            if moment == "as redis goes away":
                os.kill(process.pid, signal.SIGTERM)
                redis.shutdown()
            else:
                redis.shutdown()
                wait_for("the loss is seen", lambda: _sees_no_redis(deployment.worker_log()), 90)
                os.kill(process.pid, signal.SIGTERM)
            assert process.wait(timeout=60) == 0, deployment.worker_log()
            assert deployment.worker_log().count("Listening on") == 1, deployment.worker_log()
        finally:
            deployment.stop_workers()
            print(deployment.worker_log()[-20000:])


def _sees_no_redis(log: str) -> bool:
    """rq retries a lost connection itself while idle; the grader's loop, once rq gives up."""
    return "could not connect to Redis" in log or "lost Redis" in log


FROZEN_PROBE = """
import gc, json, sys
from grader import worker
from grader.config import Settings
from grader.queue import grading_queue

seen = []
worker.GradingWorker.work = lambda self, **kw: seen.append(gc.get_freeze_count())
settings = Settings(redis_url=sys.argv[1])
worker._work(settings, grading_queue(settings), burst=True)
print(json.dumps(seen))
"""


def test_what_a_worker_has_loaded_is_frozen_before_rq_forks_its_scheduler(
    tmp_path: Path,
) -> None:
    """Frozen, the collector of neither process writes to those objects after the fork, so
    their pages stay shared with the scheduler (~30 MB each otherwise, at the first full
    collection)."""
    with redis_server(tmp_path / "redis") as redis:
        done = subprocess.run(
            [sys.executable, "-c", FROZEN_PROBE, redis.url],
            capture_output=True,
            text=True,
            check=True,
        )
    (frozen,) = json.loads(done.stdout)
    assert frozen > 50_000  # the modules' objects, not a few
