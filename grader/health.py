"""Is this installation able to grade? The checks behind /readyz and `grader doctor`.

Each check answers with a ``Check``: its name, whether it passed, what was seen,
and, when it failed, what to do about it. ``readiness`` is what a load balancer
asks (the database, Redis, at least one live worker); ``doctor`` adds what an
operator needs on a host that grades (Docker, the runtime, the images, disk
space, whether the public URL reaches this server). No check raises: a check
that cannot be made is a failed check.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import httpx
from redis import Redis
from redis.exceptions import RedisError
from rq import Worker

from grader.config import Settings
from grader.engine import Engine
from grader.errors import GraderError
from grader.images import ImageBuilder, language_dirs
from grader.queue import with_announced_public_url
from grader.store import repo
from grader.store.db import session_scope
from grader.timestamps import utc

WORKER_ALIVE_S = 120  # rq heartbeats every ~45 s with the worker's TTL of 60 s
MIN_FREE_BYTES = 2 << 30


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def readiness(settings: Settings) -> list[Check]:
    fix = "check GRADER_DATABASE_URL; `grader serve` and `grader worker` create and migrate it"
    return [_guard("database", database, settings, fix), *_redis_and_workers(settings)]


def doctor(settings: Settings) -> list[Check]:
    settings = with_announced_public_url(settings)  # what a running server announced
    checks = readiness(settings)
    engine: Engine | None = None
    try:
        engine = Engine(settings.docker_timeout_s)
        checks.append(Check("docker", True, "the engine answers"))
    except GraderError as exc:
        checks.append(Check("docker", False, str(exc), "start Docker (systemctl start docker)"))
    if engine is not None:
        checks.append(_guard("runtime", lambda s: runtime(s, engine), settings))
        checks.append(_guard("images", lambda s: images(s, engine), settings))
    checks.append(_guard("disk", disk, settings))
    checks.append(_guard("public URL", public_url, settings))
    return checks


def _guard(
    name: str, check: Callable[[Settings], Check], settings: Settings, fix: str = ""
) -> Check:
    try:
        return check(settings)
    except Exception as exc:  # a check that cannot be made failed; say why
        return Check(name, False, f"{type(exc).__name__}: {str(exc).splitlines()[0]}", fix)


def database(settings: Settings) -> Check:
    with session_scope(settings.effective_database_url) as session:
        repo.ping(session)
    return Check("database", True, "answers")


def _redis_and_workers(settings: Settings) -> list[Check]:
    client = Redis.from_url(settings.redis_url, socket_timeout=5)
    try:
        client.ping()
    except RedisError as exc:
        fix = "start Redis, or point GRADER_REDIS_URL at it"
        return [Check("redis", False, str(exc), fix), Check("workers", False, "Redis is down")]
    alive = live_workers(client)
    workers = Check(
        "workers",
        bool(alive),
        f"{len(alive)} live: {', '.join(alive)}" if alive else "no worker has a heartbeat",
        "" if alive else "start one: grader worker",
    )
    return [Check("redis", True, "answers"), workers]


def live_workers(client: Redis) -> list[str]:
    """The rq workers whose heartbeat is recent."""
    cutoff = datetime.now(UTC) - timedelta(seconds=WORKER_ALIVE_S)
    names = []
    for worker in Worker.all(connection=client):
        beat = worker.last_heartbeat
        if beat is not None and utc(beat) >= cutoff:
            names.append(worker.name)
    return sorted(names)


def runtime(settings: Settings, engine: Engine) -> Check:
    available = engine.runtimes()
    if settings.runtime in available:
        return Check(
            "runtime", True, f"{settings.runtime} (available: {', '.join(sorted(available))})"
        )
    return Check(
        "runtime",
        False,
        f"{settings.runtime} is not one of the engine's runtimes ({', '.join(sorted(available))})",
        "install it and register it with dockerd, or set GRADER_RUNTIME=runc",
    )


def images(settings: Settings, engine: Engine) -> Check:
    builder = ImageBuilder(settings, engine, log=lambda _m: None)
    languages = language_dirs(settings)
    stale = [language for language in languages if builder.recorded(language) is None]
    if stale:
        return Check(
            "images",
            False,
            f"missing or out of date: {', '.join(stale)}",
            "build them: grader images (or make images)",
        )
    return Check("images", True, f"up to date: {', '.join(languages)}")


def disk(settings: Settings) -> Check:
    folder = settings.data_dir
    while not folder.exists():  # not created yet: the disk it will be on
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    shown = f"{free / (1 << 30):.1f} GiB free under {folder}"
    if free < MIN_FREE_BYTES:
        return Check("disk", False, shown, "free space: clones and sandboxes need room")
    return Check("disk", True, shown)


def public_url(settings: Settings) -> Check:
    url = settings.public_url.rstrip("/") + "/healthz"
    try:
        answer = httpx.get(url, timeout=5, follow_redirects=False)
    except httpx.HTTPError as exc:
        return Check(
            "public URL",
            False,
            f"{url}: {exc}",
            "start `grader serve`, or set GRADER_PUBLIC_URL to the address candidates use",
        )
    if answer.status_code != 200 or answer.json().get("service") != "grader":
        return Check("public URL", False, f"{url} answered {answer.status_code}, not a grader")
    return Check("public URL", True, f"{url} reaches this grader")
