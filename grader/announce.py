"""Telling waiting readers that a submission reached its final status.

A worker announces each submission it finishes on a Redis channel; a reader
that asked to wait (``GET /api/submissions/{id}?wait=30``) blocks on that
channel instead of polling, so it learns of the grade as soon as it is stored.
The database stays the only source of truth: a waiter checks it before it
waits, after each announcement, and at least every ``RECHECK_S`` in case an
announcement was lost (Redis down, a worker killed between its commit and its
announcement). Without Redis a waiter simply polls at that pace.

Waiters are bounded (``MAX_WAITERS`` at once in a process): each holds a thread
of the API server, and a server must keep answering its other requests. One
past the bound does not wait; it gets the current status at once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from redis import Redis
from redis.exceptions import RedisError

from grader.config import Settings

log = logging.getLogger("grader.announce")

RECHECK_S = 1.0
MAX_WAIT_S = 60.0
MAX_WAITERS = 16
_waiters = threading.BoundedSemaphore(MAX_WAITERS)


def channel(submission_id: str) -> str:
    return f"grader:submission:{submission_id}:final"


def _redis(settings: Settings) -> Redis:
    return Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=2)


def announce(settings: Settings, submission_id: str) -> None:
    """Best effort: a lost announcement only delays waiters until their next check."""
    try:
        with contextlib.closing(_redis(settings)) as client:
            client.publish(channel(submission_id), "final")
    except RedisError as exc:
        log.info("could not announce %s: %s", submission_id, exc)


def wait_until(
    settings: Settings, submission_id: str, done: Callable[[], bool], timeout_s: float
) -> bool:
    """Block until ``done()`` (a fresh database check) is true or ``timeout_s`` passed;
    returns ``done()``'s last answer. Returns at once when too many already wait."""
    if done():
        return True
    timeout_s = min(max(timeout_s, 0.0), MAX_WAIT_S)
    if timeout_s == 0 or not _waiters.acquire(blocking=False):
        return False
    try:
        return _wait(settings, submission_id, done, time.monotonic() + timeout_s)
    finally:
        _waiters.release()


def _wait(
    settings: Settings, submission_id: str, done: Callable[[], bool], deadline: float
) -> bool:
    subscription = _subscribe(settings, submission_id)
    try:
        # Subscribed before this check: an announcement made after it is not missed.
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            _next_message(subscription, min(left, RECHECK_S))
        return True
    finally:
        if subscription is not None:
            with contextlib.suppress(RedisError, OSError):
                subscription.close()


def _subscribe(settings: Settings, submission_id: str) -> Any:
    try:
        subscription = _redis(settings).pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call,unused-ignore]
        subscription.subscribe(channel(submission_id))
        return subscription
    except RedisError as exc:
        log.info("waiting for %s without Redis (%s): polling", submission_id, exc)
        return None


def _next_message(subscription: Any, timeout_s: float) -> None:
    """Returns on an announcement or after ``timeout_s``, whichever comes first."""
    if subscription is None:
        time.sleep(timeout_s)
        return
    try:
        subscription.get_message(timeout=timeout_s)
    except (RedisError, OSError):
        time.sleep(timeout_s)  # Redis went away while waiting: poll the database
