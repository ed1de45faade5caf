"""The operations page (/operations): workers, queue and infrastructure failures, for admins.

Against a real Redis with an rq worker registered as `grader worker` registers
one, and a database holding an infrastructure failure; then with Redis down,
where the page still renders and says so.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue, Worker

from api.routes.pages import _ago
from grader import metrics
from grader.queue import QUEUE, enqueue
from grader.store import repo
from grader.store.db import session_scope
from tests.api.pages_fixtures import World, fresh_world, reports
from tests.support.services import free_port, redis_server

__all__ = ["fresh_world", "reports"]

FAILURE = "infrastructure failure, retrying: the Docker engine <went> away"


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with redis_server(tmp_path / "redis") as server:
        yield server.url


def use_redis(world: World, url: str) -> None:
    world.app.state.settings = world.settings.model_copy(update={"redis_url": url})


def signed_in(world: World, role: str) -> World:
    world.client.cookies.clear()
    world.sign_in(role)
    return world


def failed_then_running(world: World, worker: str) -> str:
    """dee's submission: given back after an infrastructure failure, then claimed by ``worker``."""
    submission = world.submissions["dee"]
    with session_scope(world.settings.effective_database_url) as session:
        repo.claim(session, submission, "elsewhere:1", 600)
        repo.release(session, submission, FAILURE)
    with session_scope(world.settings.effective_database_url) as session:
        repo.claim(session, submission, worker, 600)
    return submission


def test_an_admin_sees_workers_queue_and_failures(fresh_world: World, redis_url: str) -> None:
    use_redis(fresh_world, redis_url)
    client = Redis.from_url(redis_url)
    process = f"{socket.gethostname()}:{os.getpid()}"  # what grader.jobs.worker_name() says
    worker = Worker([Queue(QUEUE, connection=client)], connection=client, name="grader-w-0")
    worker.register_birth()
    worker.set_state("busy")
    worker.heartbeat()
    metrics.Recorder(client).warm(process, 3)
    client.set("grader:public-url", "http://grader.example:8000")
    submission = failed_then_running(fresh_world, process)
    settings = fresh_world.app.state.settings
    assert enqueue(settings, "some-other-submission", timeout_s=60)

    page = signed_in(fresh_world, "admin").client.get("/operations")
    assert page.status_code == 200, page.text
    assert "Redis is unreachable" not in page.text
    row = re.search(r'<tr class="worker" data-worker="grader-w-0">(.*?)</tr>', page.text, re.S)
    assert row is not None, page.text
    cells = row.group(1)
    assert socket.gethostname() in cells and f">{os.getpid()}<" in cells
    assert re.search(r'data-field="heartbeat"><time datetime="\S+Z"[^>]*>\d+ s ago<', cells)
    assert "no recent heartbeat" not in cells
    assert '<td data-field="state">busy</td>' in cells
    assert f'href="/submissions/{submission}"' in cells
    assert '<td class="num" data-field="warm">3</td>' in cells
    assert "http://grader.example:8000" in page.text
    assert '<dd data-state="queued">1</dd>' in page.text
    assert '<dd data-state="failed">0</dd>' in page.text
    assert '<dd data-status="graded">3</dd>' in page.text
    assert '<dd data-status="running">1</dd>' in page.text
    failures = page.text.split('id="failures"', 1)[1]
    assert failures.count('<tr class="failure">') == 1
    assert f'href="/submissions/{submission}"' in failures
    assert "the Docker engine &lt;went&gt; away" in failures  # escaped
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[\d:.]+Z"', failures)
    assert page.headers["content-security-policy"].startswith("default-src 'none'")


def test_a_worker_without_a_heartbeat_is_marked(fresh_world: World, redis_url: str) -> None:
    use_redis(fresh_world, redis_url)
    client = Redis.from_url(redis_url)
    worker = Worker([Queue(QUEUE, connection=client)], connection=client, name="grader-new-0")
    worker.register_birth()  # born, but rq has not written a heartbeat yet
    client.hdel(worker.key, "last_heartbeat")
    page = signed_in(fresh_world, "admin").client.get("/operations")
    assert page.status_code == 200
    assert 'data-worker="grader-new-0"' in page.text
    assert "no recent heartbeat" in page.text
    assert '<td data-field="state">\u2013</td>' in page.text  # rq has not said yet


def test_with_no_worker_the_page_says_how_to_start_one(fresh_world: World, redis_url: str) -> None:
    use_redis(fresh_world, redis_url)
    page = signed_in(fresh_world, "admin").client.get("/operations")
    assert page.status_code == 200
    assert "No worker is registered" in page.text and "grader worker" in page.text
    assert '<dd data-state="queued">0</dd>' in page.text
    assert "None recorded." in page.text


def test_with_redis_down_the_page_still_renders(fresh_world: World) -> None:
    use_redis(fresh_world, f"redis://127.0.0.1:{free_port()}/0")
    failed_then_running(fresh_world, "host:1")
    page = signed_in(fresh_world, "admin").client.get("/operations")
    assert page.status_code == 200, page.text
    assert 'id="redis-down"' in page.text and "Redis is unreachable" in page.text
    assert "Unknown while Redis is unreachable." in page.text
    assert '<dd data-status="running">1</dd>' in page.text  # the database's part is there
    assert page.text.count('<tr class="failure">') == 1


def test_a_reviewer_is_refused_the_page_and_has_no_link(fresh_world: World) -> None:
    signed_in(fresh_world, "reviewer")
    page = fresh_world.client.get("/operations")
    assert page.status_code == 403
    assert "Only an admin" in page.text
    assert 'id="operations-link"' not in fresh_world.client.get("/").text


def test_the_dashboard_links_to_it_for_an_admin(fresh_world: World) -> None:
    dashboard = signed_in(fresh_world, "admin").client.get("/")
    assert '<a id="operations-link" href="/operations">' in dashboard.text


def test_ages_are_rough_and_never_negative() -> None:
    now = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    assert _ago(now - timedelta(seconds=42), now) == "42 s ago"
    assert _ago(now - timedelta(minutes=5, seconds=59), now) == "5 min ago"
    assert _ago(now - timedelta(hours=3, minutes=1), now) == "3 h ago"
    assert _ago((now - timedelta(days=2)).replace(tzinfo=None), now) == "2 d ago"  # SQLite's
    assert _ago(now + timedelta(seconds=3), now) == "0 s ago"  # another host's clock ahead
    assert _ago(None, now) == "\u2013"
