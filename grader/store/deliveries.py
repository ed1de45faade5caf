"""Outgoing webhook deliveries in the database: created, claimed for an attempt, listed.

Each function takes a Session; the caller owns the transaction (db.session_scope).
An attempt is claimed with a conditional UPDATE (due, pending, and not claimed
by another process), so two workers never send the same attempt twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from grader.store.models import WebhookDeliveryRow, utcnow


def create_delivery(
    session: Session,
    submission_id: str | None,
    url: str,
    *,
    event: str = "grading.completed",
    decision_id: int | None = None,
) -> int:
    """A pending delivery of ``event`` (a completed grading unless told) to ``url``, due now;
    its id. A decision's delivery names its decision (and its submission, if it has one)."""
    row = WebhookDeliveryRow(
        submission_id=submission_id,
        url=url,
        status="pending",
        next_attempt_at=utcnow(),
        event=event,
        decision_id=decision_id,
    )
    session.add(row)
    session.flush()
    return row.id


def due_deliveries(session: Session, now: datetime, limit: int) -> Sequence[int]:
    """The pending deliveries whose next attempt is due, the longest waiting first."""
    return session.scalars(
        select(WebhookDeliveryRow.id)
        .where(
            WebhookDeliveryRow.status == "pending",
            WebhookDeliveryRow.next_attempt_at <= now,
        )
        .order_by(WebhookDeliveryRow.next_attempt_at)
        .limit(limit)
    ).all()


def claim_delivery(
    session: Session, delivery_id: int, now: datetime, hold_s: float
) -> WebhookDeliveryRow | None:
    """Take a due delivery for one attempt (held ``hold_s``), or None if it is not due or taken."""
    result = session.execute(
        update(WebhookDeliveryRow)
        .where(
            WebhookDeliveryRow.id == delivery_id,
            WebhookDeliveryRow.status == "pending",
            WebhookDeliveryRow.next_attempt_at <= now,
        )
        .values(
            attempts=WebhookDeliveryRow.attempts + 1,
            next_attempt_at=now + timedelta(seconds=hold_s),
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(WebhookDeliveryRow, delivery_id, populate_existing=True)


def get_delivery(session: Session, delivery_id: int) -> WebhookDeliveryRow | None:
    return session.get(WebhookDeliveryRow, delivery_id)


def list_deliveries(
    session: Session,
    *,
    status: str | None = None,
    submission_id: str | None = None,
    limit: int = 100,
) -> Sequence[WebhookDeliveryRow]:
    """Deliveries, newest first, optionally of one status or one submission."""
    query = select(WebhookDeliveryRow)
    if status:
        query = query.where(WebhookDeliveryRow.status == status)
    if submission_id:
        query = query.where(WebhookDeliveryRow.submission_id == submission_id)
    query = query.order_by(WebhookDeliveryRow.id.desc()).limit(limit)
    return session.scalars(query).all()
