"""Retention: erase the candidates whose round closed more than ``retention_days`` ago.

``GRADER_RETENTION_DAYS`` (0, the default: never). A candidate is due when
their last activity (grader/store/retention.py says which) is older than that
and nothing of theirs is queued or running; each is erased as ``grader
candidate erase`` would (grader/erasure.py), by the actor ``retention``. A
round also completes the erasures a crash left with their files on disk.

``grader retention run [--dry-run]`` runs a round now; workers run one at most
every ``EVERY_S`` (a Redis key taken with SET NX, so one worker of many does
it; without Redis, no round runs).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from redis import Redis
from redis.exceptions import RedisError

from grader.config import Settings
from grader.erasure import Erased, erase, finish_files
from grader.store import retention
from grader.store.db import session_scope
from grader.store.models import utcnow

log = logging.getLogger("grader.retention")
ACTOR = "retention"
EVERY_S = 3600
ROUND_KEY = "grader:retention-round"


@dataclass
class Round:
    """A retention round: who was due, and (unless a dry run) what was erased."""

    cutoff: datetime
    due: list[str]
    erased: list[Erased] = field(default_factory=list)
    files_finished: list[str] = field(default_factory=list)


def cutoff(settings: Settings, now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=settings.retention_days)


def run(settings: Settings, dry_run: bool = False, now: datetime | None = None) -> Round:
    """One round (``retention_days`` must be set); a dry run only says who is due."""
    if settings.retention_days <= 0:
        raise ValueError("retention is off: set GRADER_RETENTION_DAYS to a number of days")
    when = cutoff(settings, now)
    with session_scope(settings.effective_database_url) as session:
        due = retention.inactive_candidates(session, when)
    done = Round(when, due)
    if dry_run:
        return done
    done.files_finished = finish_files(settings)
    for email in due:
        done.erased.append(erase(settings, email, ACTOR, reason="retention"))
    return done


def run_periodically(settings: Settings) -> Round | None:
    """A round, if retention is on and no process ran one in the last ``EVERY_S``."""
    if settings.retention_days <= 0:
        return None
    try:
        client = Redis.from_url(settings.redis_url, socket_timeout=5)
        if not client.set(ROUND_KEY, "1", nx=True, ex=EVERY_S):
            return None
    except RedisError as exc:
        log.warning("retention round skipped: Redis unreachable (%s)", exc)
        return None
    done = run(settings)
    if done.erased or done.files_finished:
        log.info(
            "retention: erased %d candidate(s) inactive since %s", len(done.erased), done.cutoff
        )
    return done
