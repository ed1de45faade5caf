"""Outgoing webhooks: tell another system that a grading completed or a reviewer decided.

Configured by ``GRADER_NOTIFY_URL`` (no URL, no notifications) and
``GRADER_NOTIFY_SECRET``. Each completed grading gets one delivery row
(``webhook_deliveries``); its body is JSON::

    {"event": "grading.completed", "delivery": 7, "submission_id": "...",
     "challenge": "...", "candidate": "...", "status": "graded", "overall": 85.2,
     "report_url": "<public_url>/submissions/<id>"}

Each recorded decision gets one too (``queue_decision``, in the decision's own
transaction, so a decision is never recorded without its delivery)::

    {"event": "decision.recorded", "delivery": 8, "decision_id": 3,
     "decision": "advance", "scope": "submission" | "candidate",
     "submission_id": "..." | null, "invitation_id": "..." | null,
     "challenge": "...", "candidate": "...", "notes": "...",
     "decided_by": "<token name>", "decided_by_token": 2,
     "decided_at": "2024-05-02T10:15:00Z", "report_url": "..." | null}

Both kinds are signed, retried and recorded alike; the event is also in the
``X-Grader-Event`` header.

signed with ``X-Grader-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>``.
A delivery succeeds on any 2xx answer; otherwise it is tried again after
``BACKOFF_S`` (one wait per failed attempt) and marked ``failed`` after
``MAX_ATTEMPTS``. Redirects are not followed. The first attempt is made at once
(``notify_graded``); later ones by ``retry_pending``, which the worker's
recovery loop calls. A conditional UPDATE claims each attempt, so two workers
never send the same attempt twice.

httpx is imported at the first attempt, not with this module: a worker imports
it at start, and httpx (with the console it loads for its own command line)
costs ~0.1 s and several MB that a worker without a webhook never needs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from grader.config import Settings
from grader.store import decisions, deliveries, hosted, repo
from grader.store.db import session_scope
from grader.store.models import DecisionRow, WebhookDeliveryRow, utcnow
from grader.timestamps import rfc3339

log = logging.getLogger("grader.notify")

EVENT = "grading.completed"
DECISION_EVENT = "decision.recorded"
SIGNATURE_HEADER = "X-Grader-Signature"
BACKOFF_S = (30, 120, 600, 3600, 6 * 3600)  # the wait after the 1st, 2nd, ... failed attempt
MAX_ATTEMPTS = len(BACKOFF_S) + 1
TIMEOUT_S = 5.0
CLAIM_S = 60.0  # an attempt in flight holds its delivery this long
STATUSES = ("pending", "delivered", "failed")

# (url, body, headers) -> HTTP status code; raises PostFailed when nothing came back.
Post = Callable[[str, bytes, dict[str, str]], int]


class PostFailed(Exception):
    """No answer came back (refused, timed out, a bad URL): the message says which."""


@dataclass(frozen=True)
class NotifyConfig:
    url: str
    secret: str


def config_from_settings(settings: Settings) -> NotifyConfig | None:
    """The webhook's URL and secret (GRADER_NOTIFY_URL, _SECRET), or None when not configured."""
    url = settings.notify_url.strip()
    if not url:
        return None
    return NotifyConfig(url=url, secret=settings.notify_secret)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    import httpx  # here, not atop the module: see its docstring

    try:
        response = httpx.post(
            url, content=body, headers=headers, timeout=TIMEOUT_S, follow_redirects=False
        )
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise PostFailed(f"{exc.__class__.__name__}: {exc}") from exc
    return response.status_code


# -- entry points --------------------------------------------------------------------------
def notify_graded(
    settings: Settings,
    submission_id: str,
    config: NotifyConfig | None = None,
    post: Post = http_post,
) -> int | None:
    """Record a delivery for a completed grading and make its first attempt; its id, or None."""
    config = config or config_from_settings(settings)
    if config is None:
        return None
    with session_scope(settings.effective_database_url) as session:
        delivery_id = deliveries.create_delivery(session, submission_id, config.url)
    attempt(settings, delivery_id, config, post)
    return delivery_id


def retry_pending(
    settings: Settings,
    config: NotifyConfig | None = None,
    post: Post = http_post,
    limit: int = 50,
) -> int:
    """Attempt every pending delivery that is due; returns how many were attempted."""
    config = config or config_from_settings(settings)
    if config is None:
        return 0
    with session_scope(settings.effective_database_url) as session:
        due = deliveries.due_deliveries(session, utcnow(), limit)
    return sum(attempt(settings, delivery_id, config, post) is not None for delivery_id in due)


def attempt(
    settings: Settings, delivery_id: int, config: NotifyConfig, post: Post = http_post
) -> str | None:
    """One attempt at a due delivery; its new status, or None if it was not due or is taken."""
    url = settings.effective_database_url
    with session_scope(url) as session:
        delivery = deliveries.claim_delivery(session, delivery_id, utcnow(), CLAIM_S)
        if delivery is None:
            return None
        target, event, body = delivery.url, delivery.event, _body(session, delivery, settings)
    code, error = _send(post, target, body, config.secret, delivery_id, event)
    with session_scope(url) as session:
        return _record(session, delivery_id, code, error)


def queue_decision(
    session: Session, settings: Settings, decision: DecisionRow, config: NotifyConfig | None = None
) -> int | None:
    """Record a delivery of ``decision`` in the caller's transaction; its id, or None when
    no webhook is configured. Its first attempt is ``deliver``'s, once that transaction
    committed; if that never happens, ``retry_pending`` sends it."""
    config = config or config_from_settings(settings)
    if config is None:
        return None
    return deliveries.create_delivery(
        session, decision.submission_id, config.url, event=DECISION_EVENT, decision_id=decision.id
    )


def deliver(
    settings: Settings, delivery_id: int, config: NotifyConfig | None = None, post: Post = http_post
) -> str | None:
    """The first attempt at a recorded delivery (see ``attempt``); never raises for the
    receiver's failures, which are recorded and retried."""
    config = config or config_from_settings(settings)
    return None if config is None else attempt(settings, delivery_id, config, post)


# -- the steps of an attempt -----------------------------------------------------------------
def _body(session: Session, delivery: WebhookDeliveryRow, settings: Settings) -> bytes:
    if delivery.event == DECISION_EVENT:
        payload = _decision_payload(session, delivery, settings)
    else:
        payload = _graded_payload(session, delivery, settings)
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def _graded_payload(
    session: Session, delivery: WebhookDeliveryRow, settings: Settings
) -> dict[str, Any]:
    submission = (
        repo.get_submission(session, delivery.submission_id) if delivery.submission_id else None
    )
    return {
        "event": EVENT,
        "delivery": delivery.id,
        "submission_id": delivery.submission_id,
        "challenge": submission.challenge_id if submission else None,
        "candidate": submission.candidate_email if submission else None,
        "status": submission.status if submission else None,
        "overall": submission.overall if submission else None,
        "report_url": f"{settings.public_url.rstrip('/')}/submissions/{delivery.submission_id}",
    }


def _decision_payload(
    session: Session, delivery: WebhookDeliveryRow, settings: Settings
) -> dict[str, Any]:
    decision = decisions.get_decision(session, delivery.decision_id or 0)
    payload: dict[str, Any] = {"event": DECISION_EVENT, "delivery": delivery.id}
    if decision is None:  # erased with its candidate (grader/erasure.py) before delivery
        return {**payload, "decision_id": delivery.decision_id}
    submission_id = decision.submission_id
    return {
        **payload,
        "decision_id": decision.id,
        "decision": decision.verdict,
        "scope": "submission" if submission_id else "candidate",
        "submission_id": submission_id,
        "invitation_id": decision.invitation_id,
        "challenge": decision.challenge_id,
        "candidate": _candidate(session, decision),
        "notes": decision.notes,
        "decided_by": decision.actor,
        "decided_by_token": decision.token_id,
        "decided_at": rfc3339(decision.created_at),
        "report_url": (
            f"{settings.public_url.rstrip('/')}/submissions/{submission_id}"
            if submission_id
            else None
        ),
    }


def _candidate(session: Session, decision: DecisionRow) -> str | None:
    if decision.submission_id:
        submission = repo.get_submission(session, decision.submission_id)
        return submission.candidate_email if submission else None
    invitation = hosted.get_invitation(session, decision.invitation_id or "")
    return invitation.candidate_email if invitation else None


def _send(
    post: Post, url: str, body: bytes, secret: str, delivery_id: int, event: str = EVENT
) -> tuple[int | None, str | None]:
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "grader-webhook",
        "X-Grader-Event": event,
        "X-Grader-Delivery": str(delivery_id),
    }
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, body)
    try:
        code = post(url, body, headers)
    except PostFailed as exc:
        return None, str(exc)[:500]
    return code, None if 200 <= code < 300 else f"HTTP {code}"


def _record(session: Session, delivery_id: int, code: int | None, error: str | None) -> str:
    row = deliveries.get_delivery(session, delivery_id)
    if row is None:
        return "failed"
    row.response_code, row.last_error = code, error
    if error is None:
        row.status, row.next_attempt_at = "delivered", None
    elif row.attempts >= MAX_ATTEMPTS:
        row.status, row.next_attempt_at = "failed", None
        log.warning("webhook delivery %d failed for good: %s", delivery_id, error)
    else:
        row.next_attempt_at = _next_attempt(row.attempts, utcnow())
        log.info("webhook delivery %d: %s; will retry", delivery_id, error)
    return row.status


def _next_attempt(attempts: int, now: datetime) -> datetime:
    return now + timedelta(seconds=BACKOFF_S[min(attempts, len(BACKOFF_S)) - 1])
