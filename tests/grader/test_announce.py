"""Waiting for a final status: woken by the worker's announcement, or by polling without it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader import announce
from grader.config import Settings
from tests.support.services import RedisServer, redis_server, wait_for

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path / "redis") as server:
        yield server


class Finished:
    """What the database would say; set by the 'worker' thread."""

    def __init__(self) -> None:
        self.final = False
        self.checks = 0

    def __call__(self) -> bool:
        self.checks += 1
        return self.final


def waiting(
    settings: Settings, done: Finished, timeout_s: float
) -> tuple[threading.Thread, list[bool]]:
    answer: list[bool] = []
    thread = threading.Thread(
        target=lambda: answer.append(announce.wait_until(settings, "s1", done, timeout_s))
    )
    thread.start()
    return thread, answer


def subscribed(redis: RedisServer) -> bool:
    from redis import Redis

    counts = Redis.from_url(redis.url).pubsub_numsub(announce.channel("s1"))
    return bool(counts and counts[0][1])


def test_an_announcement_wakes_the_waiter_long_before_its_next_check(
    settings: Settings, redis: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(announce, "RECHECK_S", 50.0)  # only the announcement can wake it in time
    settings = settings.model_copy(update={"redis_url": redis.url})
    done = Finished()
    thread, answer = waiting(settings, done, 55)
    wait_for("the waiter subscribed", lambda: subscribed(redis), 10)
    done.final = True
    announce.announce(settings, "s1")
    thread.join(timeout=20)
    assert not thread.is_alive() and answer == [True]


def test_without_redis_the_waiter_polls_the_database(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(announce, "RECHECK_S", 0.05)
    settings = settings.model_copy(update={"redis_url": UNREACHABLE_REDIS})
    done = Finished()
    thread, answer = waiting(settings, done, 30)
    wait_for("the waiter checked again", lambda: done.checks >= 3, 10)
    done.final = True
    announce.announce(settings, "s1")  # lost: Redis is down; says so in the log, no error
    thread.join(timeout=20)
    assert not thread.is_alive() and answer == [True]


def test_a_wait_ends_at_its_limit_with_the_status_still_active(settings: Settings) -> None:
    settings = settings.model_copy(update={"redis_url": UNREACHABLE_REDIS})
    done = Finished()
    assert announce.wait_until(settings, "s1", done, 0.2) is False
    assert done.checks >= 2  # before waiting, and at the end


def test_past_the_bound_on_waiters_nobody_waits(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(announce, "_waiters", threading.BoundedSemaphore(1))
    assert announce._waiters.acquire(blocking=False)  # the one allowed waiter is busy
    done = Finished()
    assert announce.wait_until(settings, "s1", done, 30) is False
    assert done.checks == 1
