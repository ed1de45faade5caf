"""Outgoing webhooks: signed, retried with backoff, recorded, and never failing a grading."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import update

from grader import jobs, notify
from grader.report import Report
from grader.store import repo
from grader.store.db import session_scope
from grader.store.models import WebhookDeliveryRow, utcnow
from tests.api.pages_fixtures import World, fresh_world, reports

__all__ = ["fresh_world", "reports"]

SECRET = "a-shared-secret"


@dataclass
class Receiver:
    """A real HTTP endpoint on the loopback that answers with ``codes`` in turn."""

    url: str
    codes: list[int]
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver(url="", codes=[200])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            box.received.append((dict(self.headers.items()), body))
            self.send_response(box.codes.pop(0) if len(box.codes) > 1 else box.codes[0])
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/grader"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield box
    server.shutdown()
    server.server_close()


def delivery(world: World, delivery_id: int) -> WebhookDeliveryRow:
    with session_scope(world.settings.effective_database_url) as session:
        row = session.get(WebhookDeliveryRow, delivery_id)
        assert row is not None
        session.expunge(row)
        return row


def make_due(world: World, delivery_id: int) -> None:
    with session_scope(world.settings.effective_database_url) as session:
        session.execute(
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.id == delivery_id)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )


def test_nothing_is_sent_or_recorded_without_a_url(
    fresh_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fresh_world.settings, "notify_url", "")
    assert notify.notify_graded(fresh_world.settings, fresh_world.submissions["ada"]) is None
    assert notify.retry_pending(fresh_world.settings) == 0


def test_a_delivery_is_signed_and_says_what_was_graded(
    fresh_world: World, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fresh_world.settings, "notify_url", receiver.url)
    monkeypatch.setattr(fresh_world.settings, "notify_secret", SECRET)
    delivery_id = notify.notify_graded(fresh_world.settings, fresh_world.submissions["ada"])
    assert delivery_id is not None
    [(headers, body)] = receiver.received
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Grader-Signature"], expected)
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Grader-Delivery"] == str(delivery_id)
    payload = json.loads(body)
    report = fresh_world.reports["ada"]["report"]
    assert payload == {
        "event": "grading.completed",
        "delivery": delivery_id,
        "submission_id": fresh_world.submissions["ada"],
        "challenge": "word-frequency",
        "candidate": "ada@example.com",
        "status": "graded",
        "overall": report["overall"],
        "report_url": f"{fresh_world.settings.public_url}/submissions/"
        f"{fresh_world.submissions['ada']}",
    }
    row = delivery(fresh_world, delivery_id)
    assert (row.status, row.attempts, row.response_code, row.last_error) == (
        "delivered",
        1,
        200,
        None,
    )
    assert row.next_attempt_at is None


def test_a_failed_delivery_is_retried_with_backoff_then_given_up(
    fresh_world: World, receiver: Receiver
) -> None:
    receiver.codes = [503]
    config = notify.NotifyConfig(receiver.url, SECRET)
    delivery_id = notify.notify_graded(fresh_world.settings, fresh_world.submissions["bob"], config)
    assert delivery_id is not None
    row = delivery(fresh_world, delivery_id)
    assert (row.status, row.attempts, row.response_code, row.last_error) == (
        "pending",
        1,
        503,
        "HTTP 503",
    )
    assert row.next_attempt_at is not None
    wait = row.next_attempt_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None)
    assert (
        timedelta(seconds=notify.BACKOFF_S[0] - 5) < wait <= timedelta(seconds=notify.BACKOFF_S[0])
    )
    assert notify.retry_pending(fresh_world.settings, config) == 0  # not due yet
    for attempt in range(2, notify.MAX_ATTEMPTS + 1):
        make_due(fresh_world, delivery_id)
        assert notify.retry_pending(fresh_world.settings, config) == 1
        assert delivery(fresh_world, delivery_id).attempts == attempt
    row = delivery(fresh_world, delivery_id)
    assert row.status == "failed" and row.next_attempt_at is None
    assert len(receiver.received) == notify.MAX_ATTEMPTS
    make_due(fresh_world, delivery_id)
    assert notify.retry_pending(fresh_world.settings, config) == 0  # failed is final


def test_a_retry_that_succeeds_marks_it_delivered(fresh_world: World, receiver: Receiver) -> None:
    receiver.codes = [500, 202]
    config = notify.NotifyConfig(receiver.url, SECRET)
    delivery_id = notify.notify_graded(fresh_world.settings, fresh_world.submissions["cy"], config)
    assert delivery_id is not None
    make_due(fresh_world, delivery_id)
    assert notify.retry_pending(fresh_world.settings, config) == 1
    row = delivery(fresh_world, delivery_id)
    assert (row.status, row.attempts, row.response_code) == ("delivered", 2, 202)


def test_an_unreachable_receiver_is_recorded(fresh_world: World) -> None:
    config = notify.NotifyConfig("http://127.0.0.1:9/nothing-listens", SECRET)
    delivery_id = notify.notify_graded(fresh_world.settings, fresh_world.submissions["ada"], config)
    assert delivery_id is not None
    row = delivery(fresh_world, delivery_id)
    assert row.status == "pending" and row.response_code is None
    assert row.last_error and "ConnectError" in row.last_error


def test_an_attempt_in_flight_is_not_sent_twice(fresh_world: World) -> None:
    sent: list[str] = []
    config = notify.NotifyConfig("http://hook.invalid/", SECRET)

    def post(url: str, _body: bytes, _headers: dict[str, str]) -> int:
        sent.append(url)
        # A second worker's retry pass runs while this attempt is in flight.
        assert notify.attempt(fresh_world.settings, delivery_id, config, lambda *_: 200) is None
        return 200

    with session_scope(fresh_world.settings.effective_database_url) as session:
        row = WebhookDeliveryRow(
            submission_id=fresh_world.submissions["ada"],
            url=config.url,
            status="pending",
            next_attempt_at=utcnow(),
        )
        session.add(row)
        session.flush()
        delivery_id = row.id
    assert notify.attempt(fresh_world.settings, delivery_id, config, post) == "delivered"
    assert sent == [config.url]


def test_redirects_are_not_followed(fresh_world: World, receiver: Receiver) -> None:
    receiver.codes = [302]
    config = notify.NotifyConfig(receiver.url, SECRET)
    delivery_id = notify.notify_graded(fresh_world.settings, fresh_world.submissions["ada"], config)
    assert delivery_id is not None
    assert delivery(fresh_world, delivery_id).last_error == "HTTP 302"
    assert len(receiver.received) == 1


# -- from the worker -----------------------------------------------------------------------
def finished_job(world: World) -> tuple[jobs._Job, Any, str]:
    """A running submission and a grading of it, as the worker has them before storing it."""
    with session_scope(world.settings.effective_database_url) as session:
        challenge = repo.get_challenge(session, "word-frequency")
        assert challenge is not None
        row = repo.create_submission(
            session, challenge=challenge, repo="https://example.com/x.git", ref=None
        )
        repo.claim(session, row.id, "test", 600)
        submission_id = row.id
    job = jobs._Job(submission_id, "https://example.com/x.git", None, None, None, "", None, "v1")
    report = Report.model_validate(world.reports["ada"]["report"])
    return (
        job,
        SimpleNamespace(
            report=report, artifacts=None, tripwires=[], timings={"sandbox": 1.0}, fingerprints=None
        ),
        submission_id,
    )


def test_the_worker_notifies_when_a_grading_completes(
    fresh_world: World, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fresh_world.settings, "notify_url", receiver.url)
    monkeypatch.setattr(fresh_world.settings, "notify_secret", SECRET)
    job, grading, submission_id = finished_job(fresh_world)
    assert job.handle_graded(jobs.GradingService(fresh_world.settings), grading) == "graded"
    [(_headers, body)] = receiver.received
    assert json.loads(body)["submission_id"] == submission_id
    assert json.loads(body)["status"] == "graded"


def test_a_notification_that_fails_never_fails_the_grading(
    fresh_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the notifier is broken")

    monkeypatch.setattr(notify, "notify_graded", broken)
    job, grading, submission_id = finished_job(fresh_world)
    assert job.handle_graded(jobs.GradingService(fresh_world.settings), grading) == "graded"
    with session_scope(fresh_world.settings.effective_database_url) as session:
        row = repo.get_submission(session, submission_id)
        assert row is not None and row.status == "graded"
        assert repo.report_of(session, submission_id) is not None
