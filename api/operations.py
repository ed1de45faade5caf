"""What the operations page shows: the workers, the queue and the last infrastructure failures.

Workers and the queue come from Redis, as the workers publish them (rq's worker
registry and heartbeats, grader/metrics.py's warm-pool gauges, grader/queue.py's
announced public URL); the submissions by status and the failures come from the
database (grader/store/operations.py). Redis being unreachable is something to
show, never an error: ``Operations.redis_error`` says why and the database's
part is shown all the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.registry import (
    DeferredJobRegistry,
    FailedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)
from sqlalchemy.orm import Session

from grader.config import Settings
from grader.health import WORKER_ALIVE_S
from grader.metrics import KEY as METRICS_KEY
from grader.queue import PUBLIC_URL_KEY, QUEUE, job_id
from grader.store import operations
from grader.store.models import SubmissionEventRow
from grader.timestamps import utc

REDIS_TIMEOUT_S = 2.0  # the page waits this long for Redis before saying it is down
FAILURES_SHOWN = 20
JOB_PREFIX = job_id("")


@dataclass(frozen=True)
class WorkerView:
    name: str
    host: str | None
    pid: int | None
    state: str | None  # rq's: idle, busy, suspended...; None before rq set one
    heartbeat: datetime | None
    age_s: float | None  # seconds since the heartbeat
    grading: str | None  # the submission it grades now, if known
    warm: int | None  # its warm sandboxes, if it published them

    @property
    def alive(self) -> bool:
        return self.age_s is not None and self.age_s <= WORKER_ALIVE_S


@dataclass
class Operations:
    now: datetime
    workers: list[WorkerView] = field(default_factory=list)
    queue: dict[str, int] = field(default_factory=dict)  # state -> jobs
    statuses: dict[str, int] = field(default_factory=dict)  # submission status -> count
    failures: Sequence[SubmissionEventRow] = ()
    public_url: str | None = None  # as the server announced it to the workers
    redis_error: str | None = None


def operations_view(session: Session, settings: Settings) -> Operations:
    view = Operations(
        now=datetime.now(UTC).replace(microsecond=0),
        statuses=operations.status_counts(session),
        failures=operations.infrastructure_failures(session, FAILURES_SHOWN),
    )
    client = Redis.from_url(
        settings.redis_url,
        socket_timeout=REDIS_TIMEOUT_S,
        socket_connect_timeout=REDIS_TIMEOUT_S,
    )
    try:
        view.queue = queue_depth(client)
        view.workers = workers(client, operations.running_by_worker(session), view.now)
        announced = client.get(PUBLIC_URL_KEY)
        view.public_url = _text(announced) if announced else None
    except RedisError as exc:
        view.redis_error = str(exc) or type(exc).__name__
    finally:
        client.close()
    return view


def queue_depth(client: Redis) -> dict[str, int]:
    """Jobs of the grading queue by state, as rq counts them."""
    queue = Queue(QUEUE, connection=client)
    depth = {"queued": queue.count}
    for state, registry in (
        ("started", StartedJobRegistry),
        ("scheduled", ScheduledJobRegistry),
        ("deferred", DeferredJobRegistry),
        ("failed", FailedJobRegistry),
    ):
        depth[state] = registry(queue=queue).count
    return depth


def workers(client: Redis, running: dict[str, str], now: datetime) -> list[WorkerView]:
    """Every worker rq knows, newest heartbeat first.

    ``running``: host:pid -> submission, from the database, for a worker whose
    current job rq does not say (between the claim and rq's own bookkeeping).
    """
    warm = warm_sizes(client)
    out = []
    for worker in Worker.all(connection=client):
        beat = utc(worker.last_heartbeat) if worker.last_heartbeat else None
        process = f"{worker.hostname}:{worker.pid}"
        current = worker.get_current_job_id()
        state = str(worker.get_state())
        grading = current.removeprefix(JOB_PREFIX) if current else running.get(process)
        out.append(
            WorkerView(
                name=worker.name,
                host=worker.hostname,
                pid=worker.pid,
                state=None if state in ("", "?") else state,  # "?": rq knows none
                heartbeat=beat,
                age_s=max((now - beat).total_seconds(), 0.0) if beat else None,
                grading=grading,
                warm=warm.get(process),
            )
        )
    return sorted(out, key=lambda w: (w.age_s is None, w.age_s or 0.0, w.name))


def warm_sizes(client: Redis) -> dict[str, int]:
    """host:pid -> the warm sandboxes that worker last said it keeps (grader.metrics)."""
    prefix = METRICS_KEY + "warm:"
    sizes = {}
    for key in client.scan_iter(prefix + "*"):
        value = client.get(key)
        if value is not None:
            sizes[_text(key).removeprefix(prefix)] = int(float(_text(value)))
    return sizes


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
