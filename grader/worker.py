"""`grader worker`: an rq worker with the grader's housekeeping around it.

- At start: remove what a killed worker of this host left (its sandboxes and
  working folders, known by their owner's process id; anything else past the
  longest a grading can take) and recover lost gradings.
- Before each job: wait for the Docker engine, so that an engine restart does
  not use up the retries of every queued submission.
- When Redis goes away (rq then stops working): wait for it and go on.
- It listens to the ``grading`` queue, then the ``regrade`` queue: a regrade's
  shadow gradings run only while no candidate's grading waits (grader/queue.py).
- While it runs, a thread repeats the recovery (regrades' too) and retries
  notifications, and runs a retention round (grader/retention.py) when one is due.
- A stop request (SIGTERM, SIGINT) wins over every retry loop: the job at hand
  may finish for ``worker_stop_timeout_s`` (warm), then the worker stops
  (cold); a job cut short is recovered by another worker when its lease ends.
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.exceptions import StopRequested

from grader import jobs, metrics, notify, regrade, retention
from grader.config import Settings
from grader.engine import Engine, owner_is_dead
from grader.errors import InfrastructureError
from grader.queue import grading_queue, recover, regrade_queue

log = logging.getLogger("grader.worker")
RECOVERY_EVERY_S = 30.0
WAIT_EVERY_S = 2.0
WAIT_WITH_A_JOB_S = 120.0  # long enough for an engine restart; then the job fails and retries
WORKER_TTL_S = 60  # rq: heartbeat expiry; its blocking pop returns every 45 s
MAINTENANCE_EVERY_S = 30  # rq: when a worker takes over the scheduler of a dead one


def housekeeping(settings: Settings) -> None:
    engine = Engine(settings.docker_timeout_s)
    removed = engine.remove_stale(older_than_s=settings.max_job_timeout_s)
    try:  # a dead worker's services' networks, once emptied; never a reason not to start
        engine.remove_stale_networks()
    except InfrastructureError as exc:
        log.warning("stale networks not checked this round: %s", exc)
    folders = remove_orphan_folders(settings)
    recovered = recover(settings) + [f"shadow {i}" for i in regrade.recover(settings)]
    if removed or folders or recovered:
        log.info(
            "removed %d stale sandbox(es) and %d folder(s); queued %d lost grading(s)",
            removed,
            folders,
            len(recovered),
        )


def remove_orphan_folders(settings: Settings) -> int:
    """Working folders (grading-PID-*, warm PID-*) of processes of this host that died."""
    host = socket.gethostname()
    removed = 0
    candidates = [*settings.subdir("tmp").glob("grading-*"), *settings.subdir("warm").iterdir()]
    for folder in candidates:
        pid = folder.name.removeprefix("grading-").split("-", 1)[0]
        if pid.isdigit() and owner_is_dead(f"{host}:{pid}"):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


_pinged: Engine | None = None


def wait_for_docker(
    settings: Settings, limit_s: float | None = None, beat: Callable[[], Any] | None = None
) -> None:
    """Block until the Docker engine answers (or ``limit_s`` passed); says so once.

    ``beat``: called while waiting (rq's heartbeat, so that the worker is not taken for dead).
    """
    global _pinged
    told = False
    deadline = None if limit_s is None else time.monotonic() + limit_s
    while deadline is None or time.monotonic() < deadline:
        try:
            # One client for every check (a new one costs more than the ping itself).
            _pinged = _pinged or Engine(settings.docker_timeout_s)
            _pinged.ping()
            return
        except InfrastructureError as exc:
            _pinged = None
            if not told:
                log.warning("waiting for the Docker engine before taking a job: %s", exc)
                told = True
        if beat is not None:
            beat()
        time.sleep(WAIT_EVERY_S)


# Set by the first SIGTERM or SIGINT; every loop of this module checks it.
STOP = threading.Event()


def request_stop(stop_timeout_s: float) -> None:
    """Remember the stop, and make sure it ends in a cold stop after ``stop_timeout_s``."""
    if STOP.is_set():
        return
    STOP.set()
    log.info("stop requested: finishing the job at hand, for %.0f s at most", stop_timeout_s)
    timer = threading.Timer(stop_timeout_s, os.kill, (os.getpid(), signal.SIGTERM))
    timer.daemon = True
    timer.start()


def install_stop_handlers(stop_timeout_s: float) -> None:
    """Between rq workers (while Redis is away) nobody else handles the signals."""

    def handler(signum: int, frame: Any) -> None:
        request_stop(stop_timeout_s)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def wait_for_redis(connection: Any) -> bool:
    """Block until Redis answers (True) or a stop is requested (False)."""
    while not STOP.is_set():
        try:
            connection.ping()
            return True
        except RedisError:
            STOP.wait(WAIT_EVERY_S)
    return False


class GradingWorker(SimpleWorker):
    """Runs jobs in this process (no fork): the Docker client, the prepared challenges and
    the warm sandboxes (grader.pool) last from one job to the next. Candidate code never
    runs here, only in sandboxes, so a fork per job would isolate nothing."""

    stop_timeout_s = 120.0

    def request_stop(self, signum: Any, frame: Any) -> None:
        # Noted before rq's own handling, which talks to Redis and may fail if it is gone.
        request_stop(self.stop_timeout_s)
        super().request_stop(signum, frame)  # type: ignore[no-untyped-call]

    def request_force_stop(self, signum: Any, frame: Any) -> None:
        request_stop(self.stop_timeout_s)
        super().request_force_stop(signum, frame)

    def dequeue_job_and_maintain_ttl(self, timeout: Any, max_idle_time: Any = None) -> Any:
        # No job is taken while the engine is down: a host whose engine stays down
        # leaves the queue to the others.
        wait_for_docker(jobs.service().settings, beat=self.heartbeat)
        return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)

    def execute_job(self, job: Any, queue: Any) -> Any:
        # The engine may have gone while this worker waited for a job: the submission stays
        # queued, its attempts untouched, for a while; then it runs, fails and is retried,
        # on whichever worker has an engine (rq sees it queued while it waits here).
        wait_for_docker(jobs.service().settings, WAIT_WITH_A_JOB_S, self.heartbeat)
        return super().execute_job(job, queue)


def _record_warm_pool() -> None:
    pool = jobs.service().warm_pool()
    metrics.record_warm(jobs.worker_name(), pool.ready() if pool is not None else 0)


def _recovery_loop(settings: Settings, stop: threading.Event) -> None:
    while not stop.wait(RECOVERY_EVERY_S):
        try:
            try:
                housekeeping(settings)  # also what a failed start or removal left
            except InfrastructureError as exc:
                log.warning("sandboxes not checked this round: %s", exc)
                recover(settings)
                regrade.recover(settings)
            notify.retry_pending(settings)
            _record_warm_pool()
            retention.run_periodically(settings)  # at most once an hour, by one worker
        except Exception:  # keep the loop alive; the next round tries again
            log.exception("recovery round failed")


def run_worker(settings: Settings, burst: bool = False) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    housekeeping(settings)
    queue = grading_queue(settings)
    metrics.use(queue.connection)
    stop = threading.Event()
    install_stop_handlers(settings.worker_stop_timeout_s)
    GradingWorker.stop_timeout_s = settings.worker_stop_timeout_s
    if not burst:
        threading.Thread(target=_recovery_loop, args=(settings, stop), daemon=True).start()
    try:
        _work(settings, queue, burst)
    except StopRequested:  # rq's answer to a stop while idle, raised wherever we were
        log.info("stopped")
    finally:
        stop.set()
        jobs.service().close()


def worker_queues(settings: Settings, grading: Queue) -> list[Queue]:
    """In this order: rq takes from the first queue that has a job, so a candidate's live
    grading always goes before a regrade's shadow grading."""
    return [grading, regrade_queue(settings, grading.connection)]


def _work(settings: Settings, queue: Any, burst: bool) -> None:
    """rq workers, one after another: a new one (and name) after each loss of Redis."""
    for generation in range(1_000_000):
        if STOP.is_set():
            return
        try:
            name = f"grader-{jobs.worker_name()}-{generation}"
            worker = GradingWorker(
                worker_queues(settings, queue),
                connection=queue.connection,
                name=name,
                worker_ttl=WORKER_TTL_S,
                maintenance_interval=MAINTENANCE_EVERY_S,
            )
            # rq forks its scheduler from this process: with every object so far frozen, the
            # collector touches them in neither process, so their pages stay shared instead
            # of being copied into the scheduler page by page.
            gc.freeze()
            worker.work(burst=burst, with_scheduler=True)
            return  # the queue is empty (burst) or a shutdown was asked for
        except RedisError as exc:
            if STOP.is_set():
                log.warning("lost Redis (%s) while stopping: stopped", exc)
                return
            log.warning("lost Redis (%s); waiting for it", exc)
            if not wait_for_redis(queue.connection):
                return
            recover(settings)
