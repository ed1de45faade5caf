"""The queue end to end: real Redis, real workers (`grader worker` processes), real sandboxes.

Each test gets its own data folder, a fresh database (SQLite or PostgreSQL,
see tests/store) and a Redis server of its own (a redis-server process on a
free port, as `make engine` installs it), so nothing here touches a
developer's own queue, and test runs on one machine never meet.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from redis import Redis
from rq import Queue

from grader import announce, queue, submissions
from grader.store import repo, similarity
from grader.store.db import session_scope
from tests.store import KINDS, migrated_database
from tests.support.deployment import Deployment, redis_client
from tests.support.git import git
from tests.support.services import free_port, redis_server, wait_for

# Every test here needs the services `make engine` starts (Redis; most also the Docker engine).
pytestmark = pytest.mark.docker


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with redis_server(tmp_path / "redis") as server:
        yield server.url


@pytest.fixture(params=KINDS)
def deployment(
    request: pytest.FixtureRequest, tmp_path: Path, redis_url: str
) -> Iterator[Deployment]:
    with migrated_database(str(request.param), tmp_path) as url:
        deployment = Deployment.create(tmp_path / "data", url, redis_url)
        try:
            yield deployment
        finally:
            deployment.stop_workers()
            print(deployment.worker_log()[-20000:])  # shown when the test failed


@pytest.fixture
def sqlite_deployment(tmp_path: Path, redis_url: str) -> Iterator[Deployment]:
    """For the slow tests whose subject is the queue, not the database."""
    with migrated_database("sqlite", tmp_path) as url:
        deployment = Deployment.create(tmp_path / "data", url, redis_url)
        try:
            yield deployment
        finally:
            deployment.stop_workers()


# -- the happy path ----------------------------------------------------------------
def test_a_worker_grades_a_submission_and_stores_one_report(deployment: Deployment) -> None:
    submission_id = deployment.submit(deployment.bare_repo("solved"))
    assert deployment.history(submission_id) == ["queued"]
    listener = redis_client(deployment.settings.redis_url).pubsub(ignore_subscribe_messages=True)
    listener.subscribe(announce.channel(submission_id))
    assert deployment.burst() == [0], deployment.worker_log()
    row = deployment.row(submission_id)
    assert row["status"] == "graded", deployment.worker_log()
    # whoever waits for this grading (GET ...?wait=) was told it is stored
    messages = (listener.get_message(timeout=1) for _ in range(5))  # the first: subscribed
    assert any(m is not None and m["data"] == b"final" for m in messages)
    assert row["attempts"] == 1 and row["error"] is None
    report = row["report"]
    assert report is not None and report["status"] == "graded" and report["overall"] > 80
    assert report["submission"]["commit"] == row["commit"]
    assert deployment.history(submission_id) == ["queued", "running", "graded"]
    assert deployment.job(submission_id).get_status() == "finished"
    assert list((deployment.settings.data_dir / "tmp").glob("grading-*")) == []
    # Its fingerprints and their comparison are stored; the tree is the reference solution's.
    assert "similarity" in report["timings"]
    with session_scope(deployment.url) as session:
        assert similarity.fingerprints_of(session, [submission_id])
        found = similarity.result_of(session, submission_id)
    assert found is not None and found.report["submissions"] == []
    assert [(r["other"], r["flagged"]) for r in found.report["references"]] == [("solution", True)]


def test_the_same_commit_submitted_twice_is_graded_once(deployment: Deployment) -> None:
    bare = deployment.bare_repo("solved")
    commit = git(bare, "rev-parse", "main")
    first = deployment.submit(bare, ref=commit)
    assert deployment.burst() == [0]
    second = deployment.submit(bare, ref=commit)
    assert deployment.burst() == [0]
    one, two = deployment.row(first), deployment.row(second)
    assert one["status"] == two["status"] == "graded"
    assert two["report"] == one["report"] and one["dedupe_key"] == two["dedupe_key"]
    reused = deployment.events(second)[-1]
    assert reused[:2] == ("graded", f"same commit already graded in {first}")
    assert f"graded {second}" not in deployment.worker_log()  # no second sandbox run


def test_a_candidates_failing_code_is_graded_not_retried(deployment: Deployment) -> None:
    submission_id = deployment.submit(deployment.bare_repo("starter", wordfreq=None))
    assert deployment.burst() == [0]
    row = deployment.row(submission_id)
    assert row["status"] == "graded" and row["attempts"] == 1, deployment.worker_log()
    assert row["report"] is not None and row["report"]["overall"] < 50
    assert deployment.history(submission_id) == ["queued", "running", "graded"]
    job = deployment.job(submission_id)
    assert job.get_status() == "finished" and job.retries_left == len(queue.RETRY_INTERVALS_S)


def test_a_repository_that_vanished_ends_in_error_without_retry(
    sqlite_deployment: Deployment,
) -> None:
    bare = sqlite_deployment.bare_repo("gone")
    submission_id = sqlite_deployment.submit(bare)
    shutil.rmtree(bare)
    assert sqlite_deployment.burst() == [0]
    row = sqlite_deployment.row(submission_id)
    assert row["status"] == "error" and row["attempts"] == 1
    assert row["error"].startswith("cannot grade: repository not found")
    assert sqlite_deployment.history(submission_id) == ["queued", "running", "error"]


# -- infrastructure failures -------------------------------------------------------
class _SickEngineHandler(http.server.BaseHTTPRequestHandler):
    """Answers pings, the version and an empty container list; fails everything else."""

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path.endswith("/_ping"):
            self._answer(200, b"OK", "text/plain")
        elif path.endswith("/version"):
            self._answer(200, json.dumps({"ApiVersion": "1.41", "Version": "20.10"}).encode())
        elif path.endswith("/containers/json"):
            self._answer(200, b"[]")
        else:
            self._answer(500, json.dumps({"message": "the engine is failing (a test)"}).encode())

    do_POST = do_DELETE = do_HEAD = do_GET

    def _answer(self, code: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def address_string(self) -> str:
        return "test"

    def log_message(self, format: str, *args: Any) -> None:
        del format, args


@contextmanager
def sick_docker_engine(socket_path: Path) -> Iterator[str]:
    """A Docker engine that is up (it answers pings) but fails every real request."""

    class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True

    server = Server(str(socket_path), _SickEngineHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"unix://{socket_path}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_infrastructure_failure_is_retried_with_backoff_then_ends_in_error(
    sqlite_deployment: Deployment, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The worker's Docker engine answers but fails: each attempt fails, the last one ends it."""
    deployment = sqlite_deployment
    intervals = (2, 4, 6)
    monkeypatch.setattr(queue, "RETRY_INTERVALS_S", intervals)  # read when a job is queued
    with sick_docker_engine(tmp_path / "sick.sock") as docker_host:
        submission_id = deployment.submit(deployment.bare_repo("solved"))
        deployment.start_worker(DOCKER_HOST=docker_host)
        wait_for("the submission ends", lambda: deployment.status(submission_id) == "error", 120)
    row = deployment.row(submission_id)
    attempts = len(intervals) + 1
    assert row["attempts"] == attempts and row["report"] is None
    assert row["error"].startswith(f"infrastructure failed after {attempts} attempts")
    assert "the engine is failing (a test)" in row["error"]
    events = deployment.events(submission_id)
    assert [s for s, _d, _t in events] == ["queued", *["running", "queued"] * attempts, "error"]
    releases = [e for e in events[1:-1] if e[0] == "queued"]
    assert all(d.startswith("infrastructure failure, retrying:") for _s, d, _t in releases)
    claims = [at for status, _d, at in events if status == "running"]
    for interval, released, claimed in zip(intervals, releases[:-1], claims[1:], strict=True):
        # rq keeps scheduled times in whole seconds: a retry may come up to 1 s early
        assert claimed - released[2] >= interval - 1, (interval, claimed - released[2])


def docker_socket() -> Path:
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    assert host.startswith("unix://"), f"this test needs a local Docker socket, not {host}"
    return Path(host.removeprefix("unix://"))


def test_a_worker_whose_docker_went_away_takes_no_job_until_it_is_back(
    sqlite_deployment: Deployment, tmp_path: Path
) -> None:
    """An engine restart must not use up the retries of every queued submission.

    The worker reaches Docker through a symbolic link to the engine's socket;
    removing the link makes the engine unreachable, putting it back repairs it.
    """
    deployment = sqlite_deployment
    link = tmp_path / "docker.sock"
    link.symlink_to(docker_socket())
    deployment.start_worker(DOCKER_HOST=f"unix://{link}")
    connection = redis_client(deployment.settings.redis_url)
    wait_for("the worker listens", lambda: bool(_workers(connection)), 60)
    link.unlink()
    submission_id = deployment.submit(deployment.bare_repo("solved"))
    time.sleep(8)
    assert deployment.history(submission_id) == ["queued"]
    link.symlink_to(docker_socket())
    wait_for("the submission is graded", lambda: deployment.status(submission_id) == "graded")
    assert deployment.row(submission_id)["attempts"] == 1


def _workers(connection: Redis) -> list[Any]:
    from rq import Worker

    return list(Worker.all(connection=connection))


# -- recovery ----------------------------------------------------------------------
def test_a_submission_stuck_running_with_an_expired_lease_is_graded_again(
    deployment: Deployment,
) -> None:
    """A worker killed mid-grading: its lease runs out, and the next worker recovers it."""
    bare = deployment.bare_repo("solved")
    with session_scope(deployment.url) as session:
        row = submissions.create(
            session, challenge_id="word-frequency", repo_url=str(bare), ref=None
        )
        submission_id = row.id
    with session_scope(deployment.url) as session:
        assert repo.claim(session, submission_id, "dead-host:1", lease_s=-1)
    assert deployment.burst() == [0], deployment.worker_log()
    row_now = deployment.row(submission_id)
    assert row_now["status"] == "graded" and row_now["attempts"] == 2
    assert [(s, d) for s, d, _t in deployment.events(submission_id)] == [
        ("queued", "submitted"),
        ("running", "claimed by dead-host:1"),
        ("queued", "recovered: the worker's lease expired"),
        ("running", f"claimed by {_claimer(deployment, submission_id)}"),
        ("graded", ""),
    ]


def _claimer(deployment: Deployment, submission_id: str) -> str:
    return deployment.events(submission_id)[3][1].removeprefix("claimed by ")


def test_a_submission_made_while_redis_is_down_is_queued_by_recovery(
    deployment: Deployment,
) -> None:
    down = deployment.settings.model_copy(
        update={"redis_url": f"redis://127.0.0.1:{free_port()}/15"}
    )
    offline = Deployment(down, deployment.logs)
    submission_id = offline.submit(deployment.bare_repo("solved"), expect_queued=False)
    assert deployment.history(submission_id) == ["queued"]
    assert queue.recover(down, queued_grace_s=0) == []  # Redis still down: nothing changes
    assert deployment.history(submission_id) == ["queued"]

    assert queue.recover(deployment.settings, queued_grace_s=0) == [submission_id]
    grading = Queue(queue.QUEUE, connection=redis_client(deployment.settings.redis_url))
    assert grading.job_ids == [f"grade-{submission_id}"]
    assert queue.recover(deployment.settings, queued_grace_s=0) == []  # queued once, not twice
    assert grading.job_ids == [f"grade-{submission_id}"]

    assert deployment.burst() == [0]
    assert deployment.history(submission_id)[-2:] == ["running", "graded"]
    assert deployment.row(submission_id)["attempts"] == 1


def test_recovery_leaves_fresh_and_live_submissions_alone(sqlite_deployment: Deployment) -> None:
    deployment = sqlite_deployment
    queued = deployment.submit(deployment.bare_repo("solved"))
    assert queue.recover(deployment.settings) == []  # queued a moment ago, with a live job
    assert queue.recover(deployment.settings, queued_grace_s=0) == []  # old enough, job alive
    with session_scope(deployment.url) as session:
        assert repo.claim(session, queued, "live-host:1", lease_s=600)
    assert queue.recover(deployment.settings, queued_grace_s=0) == []  # running, lease valid
    assert deployment.history(queued) == ["queued", "running"]


# -- several workers ---------------------------------------------------------------
def test_two_workers_share_one_queue_and_never_grade_twice(deployment: Deployment) -> None:
    bare = deployment.bare_repo("solved")
    ids = [deployment.submit(bare) for _ in range(6)]
    for submission_id in ids:  # every job twice in the queue, as a recovery race would
        assert queue.enqueue(deployment.settings, submission_id, timeout_s=60)
    assert deployment.burst(workers=2) == [0, 0], deployment.worker_log()
    claimers = set()
    for submission_id in ids:
        row = deployment.row(submission_id)
        assert (row["status"], row["attempts"]) == ("graded", 1), deployment.worker_log()
        assert deployment.history(submission_id) == ["queued", "running", "graded"]
        claimers.add(_claimer_of(deployment, submission_id))
    log = deployment.worker_log()
    assert log.count("grader.jobs graded ") == len(ids), log
    print(f"claimed by {sorted(claimers)}")


def _claimer_of(deployment: Deployment, submission_id: str) -> str:
    running = [d for s, d, _t in deployment.events(submission_id) if s == "running"]
    return running[0].removeprefix("claimed by ")
