"""`grader worker`: an rq worker with the grader's housekeeping around it.

At start: remove sandboxes a dead worker left (only those older than any
grading could be, so that other live workers on this host are not disturbed)
and recover lost gradings. While it runs, a thread repeats the recovery.
"""

from __future__ import annotations

import logging
import threading

from grader import jobs
from grader.config import Settings

log = logging.getLogger("grader.worker")
RECOVERY_EVERY_S = 30.0


def housekeeping(settings: Settings) -> None:
    from grader.engine import Engine

    removed = Engine(settings.docker_timeout_s).remove_stale(
        older_than_s=settings.max_job_timeout_s
    )
    recovered = jobs.recover(settings)
    if removed or recovered:
        log.info("removed %d stale sandbox(es); queued %d lost grading(s)", removed, len(recovered))


def _recovery_loop(settings: Settings, stop: threading.Event) -> None:
    from grader import notify

    while not stop.wait(RECOVERY_EVERY_S):
        try:
            jobs.recover(settings)
            notify.retry_pending(settings)
        except Exception:  # keep the loop alive; the next round tries again
            log.exception("recovery round failed")


def run_worker(settings: Settings, burst: bool = False) -> None:
    # SimpleWorker runs each job in this process instead of a fork: the Docker client, the
    # prepared challenges and the warm sandboxes (grader.pool) last from one job to the next.
    # Candidate code never runs here, only in sandboxes, so a fork buys no isolation.
    from rq import SimpleWorker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    housekeeping(settings)
    queue = jobs.queue(settings)
    stop = threading.Event()
    if not burst:
        threading.Thread(target=_recovery_loop, args=(settings, stop), daemon=True).start()
    try:
        worker = SimpleWorker(
            [queue], connection=queue.connection, name=f"grader-{jobs.worker_name()}"
        )
        worker.work(burst=burst, with_scheduler=True)
    finally:
        stop.set()
        jobs.service().close()
