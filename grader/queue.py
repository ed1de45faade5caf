"""The grading queue: a job per submission put on it, and recovery of what a crash lost.

The job itself (what a worker runs) is grader/jobs.py's; it is queued here by
its dotted name, so whoever queues a grading (the API, a push to a hosted
repository, recovery) never imports the grading. The job is a function of a
submission id only, so queueing one twice is harmless: the worker that claims
the submission grades it, any other copy is skipped.

Regrades (grader/regrade.py) queue their shadow gradings on a second queue,
``regrade``, which workers listen to after ``grading``: rq takes a job from the
first of a worker's queues that has one (LPOP, then BLPOP, over the queues in
order), so a candidate's live grading always goes before a waiting regrade.

Recovery (at worker start and periodically): submissions running past their
lease (a worker killed with SIGKILL) or queued with no job in Redis (Redis
restarted, or down when they were submitted) are queued again.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq import Callback, Queue, Retry
from rq.job import Job

from grader.config import Settings
from grader.store import repo
from grader.store.db import session_scope
from grader.store.models import SubmissionStatus, utcnow

log = logging.getLogger("grader.queue")
QUEUE = "grading"
REGRADE_QUEUE = "regrade"  # after QUEUE: a worker takes these only when no live grading waits
RETRY_INTERVALS_S = (5, 20, 60)
LEASE_MARGIN_S = 120.0
PUBLIC_URL_KEY = "grader:public-url"  # the server's, for workers that were not given one
# The job and rq's failure callback, by name: see grader/jobs.py.
JOB = "grader.jobs.run_grading"
ON_RETRIES_EXHAUSTED = "grader.jobs.handle_retries_exhausted"
ALIVE = ("queued", "started", "scheduled", "deferred")
REGRADE_JOB = "grader.regrade_job.run_shadow"
ON_REGRADE_RETRIES_EXHAUSTED = "grader.regrade_job.handle_retries_exhausted"


def job_id(submission_id: str) -> str:
    return f"grade-{submission_id}"


def grading_queue(settings: Settings) -> Queue:
    return Queue(QUEUE, connection=Redis.from_url(settings.redis_url, socket_timeout=10))


def announce_public_url(settings: Settings) -> bool:
    """Tell workers the server's public URL (they tell hosted repositories by it)."""
    try:
        client = Redis.from_url(settings.redis_url, socket_timeout=5)
        client.set(PUBLIC_URL_KEY, settings.public_url)
        return True
    except RedisError as exc:
        log.warning("could not tell workers the public URL (%s)", exc)
        return False


def with_announced_public_url(settings: Settings) -> Settings:
    """``settings`` with the server's public URL, unless this process was given one."""
    if "public_url" in settings.model_fields_set:
        return settings
    try:
        announced = Redis.from_url(settings.redis_url, socket_timeout=5).get(PUBLIC_URL_KEY)
    except RedisError:
        return settings
    if not announced:
        return settings
    url = announced.decode() if isinstance(announced, bytes) else str(announced)
    return settings.model_copy(update={"public_url": url})


def enqueue(settings: Settings, submission_id: str, timeout_s: float) -> bool:
    """Queue a grading job; False (and nothing lost) when Redis cannot be reached.

    The submission is already in the database as ``queued``; recovery will queue
    it once Redis is back.
    """
    try:
        _enqueue(grading_queue(settings), JOB, submission_id, job_id(submission_id), timeout_s)
    except RedisError as exc:
        log.warning("could not queue %s (%s); recovery will queue it", submission_id, exc)
        return False
    return True


ON_EXHAUSTED = {JOB: ON_RETRIES_EXHAUSTED, REGRADE_JOB: ON_REGRADE_RETRIES_EXHAUSTED}


def _enqueue(queue: Queue, job: str, subject: str | int, key: str, timeout_s: float) -> None:
    """One job (a grading or a shadow grading) with the queue's retries and limits."""
    queue.enqueue_call(
        job,
        args=(subject,),
        job_id=key,
        timeout=int(timeout_s + LEASE_MARGIN_S),
        result_ttl=3600,
        failure_ttl=86400,
        retry=Retry(max=len(RETRY_INTERVALS_S), interval=list(RETRY_INTERVALS_S)),
        on_failure=Callback(ON_EXHAUSTED[job]),
    )


def recover(settings: Settings, queued_grace_s: float = 60.0) -> list[str]:
    """Queue again what a crash or a Redis restart left behind; returns the submission ids."""
    now = utcnow()
    recovered: list[str] = []
    try:
        connection = grading_queue(settings).connection
        with session_scope(settings.effective_database_url) as session:
            for row in repo.stale(session, now, now - timedelta(seconds=queued_grace_s)):
                job = (
                    Job.fetch(job_id(row.id), connection=connection)
                    if Job.exists(job_id(row.id), connection=connection)
                    else None
                )
                alive = job is not None and job.get_status() in ALIVE
                if row.status == SubmissionStatus.QUEUED and alive:
                    continue
                if job is not None:
                    job.delete()
                if row.status == SubmissionStatus.RUNNING:
                    repo.requeue(session, row, "recovered: the worker's lease expired")
                else:
                    repo.requeue(session, row, "recovered: its job was lost from the queue")
                recovered.append(row.id)
    except RedisError as exc:
        log.warning("recovery skipped: Redis unreachable (%s)", exc)
        return []
    for submission_id in recovered:
        enqueue(settings, submission_id, timeout_s=settings.max_job_timeout_s)
    return recovered


# -- regrades --------------------------------------------------------------------------------
def regrade_job_id(shadow_id: int) -> str:
    return f"regrade-{shadow_id}"


def regrade_queue(settings: Settings, connection: Redis | None = None) -> Queue:
    """``connection``: a worker's, so that both its queues share one."""
    connection = connection or Redis.from_url(settings.redis_url, socket_timeout=10)
    return Queue(REGRADE_QUEUE, connection=connection)


def enqueue_regrade(settings: Settings, shadow_id: int, timeout_s: float) -> bool:
    """Queue one shadow grading at low priority; False when Redis cannot be reached (the
    regrade's recovery queues it later, grader/regrade.py)."""
    try:
        queue = regrade_queue(settings)
        _enqueue(queue, REGRADE_JOB, shadow_id, regrade_job_id(shadow_id), timeout_s)
    except RedisError as exc:
        log.warning("could not queue shadow grading %s (%s); recovery will", shadow_id, exc)
        return False
    return True


def regrade_job_alive(settings: Settings, shadow_id: int) -> bool:
    """Whether Redis holds a live job for this shadow grading."""
    connection = regrade_queue(settings).connection
    if not Job.exists(regrade_job_id(shadow_id), connection=connection):
        return False
    return Job.fetch(regrade_job_id(shadow_id), connection=connection).get_status() in ALIVE
