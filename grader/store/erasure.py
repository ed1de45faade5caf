"""Erasing a candidate from the database, in two steps, and the record that it happened.

``begin`` marks the candidate as being erased (a row of ``erasures``, committed on
its own) with the ids to remove; ``erase_rows`` then removes, in one transaction,
every row about the candidate: their submissions with their status history,
reports, outgoing deliveries, fingerprints and comparisons, their pushes,
invitations and tokens. What other submissions' comparisons said about the
erased ones is removed from them (with a count of how many matches went, under
``erased``), and the audit rows that name the candidate's email get it replaced
by ``[erased]``. One audit row ``candidate.erase`` says who erased, when, why and
how much, with the erasure's id for subject and no personal data.

The candidate is kept in ``erasures`` as a salted hash of their email only, so
that asking again for the same email finds and finishes a half-done erasure.
The ids kept there are random ones (invitation ids, token hashes): they let a
late push or a stale token be told that its data was erased.

Rows created concurrently are not left behind: ``erase_rows`` writes first
(SQLite: the write lock, so no other writer commits meanwhile), locks the
candidate's invitations and submissions (PostgreSQL: ``FOR UPDATE``, so a
worker's report insert waits, then fails on the deleted submission) and
collects the ids again under that lock.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Collection, Iterable
from enum import StrEnum
from typing import Any

from sqlalchemy import Text, cast, delete, func, or_, select, text
from sqlalchemy.orm import Session

from grader.store.models import (
    AuditRow,
    CommentRow,
    DecisionRow,
    ErasureRow,
    FingerprintsRow,
    InvitationRow,
    PushRow,
    ReportRow,
    ShadowResultRow,
    SimilarityRow,
    SubmissionEventRow,
    SubmissionRow,
    TokenRow,
    WebhookDeliveryRow,
    utcnow,
)

REDACTED = "[erased]"
ACTION = "candidate.erase"


class State(StrEnum):
    """Where an erasure stands: marked, its rows gone (files next), finished."""

    PENDING = "pending"
    ROWS_ERASED = "rows_erased"
    DONE = "done"


def email_key(email: str) -> str:
    """Emails are compared without case or surrounding blanks."""
    return email.strip().lower()


def _hash(salt: str, email: str) -> str:
    return hashlib.sha256((salt + email_key(email)).encode()).hexdigest()


# -- step 1: the mark ---------------------------------------------------------------------
def begin(session: Session, email: str, actor: str, reason: str) -> ErasureRow:
    """The candidate marked as being erased, with the ids to remove.

    An unfinished erasure of the same email is taken up again, its ids extended.
    """
    row = unfinished_for(session, email)
    if row is None:
        salt = secrets.token_hex(16)
        row = ErasureRow(
            id=str(uuid.uuid4()),
            email_hash=_hash(salt, email),
            salt=salt,
            actor=actor,
            reason=reason,
            state=State.PENDING,
            identifiers={},
            counts={},
        )
        session.add(row)
    row.identifiers = _merged(row.identifiers, collect(session, email))
    session.flush()
    return row


def unfinished_for(session: Session, email: str) -> ErasureRow | None:
    for row in session.scalars(select(ErasureRow).where(ErasureRow.state != State.DONE)):
        if hmac.compare_digest(row.email_hash, _hash(row.salt, email)):
            return row
    return None


def collect(session: Session, email: str, lock: bool = False) -> dict[str, list[Any]]:
    """The ids of every row about the candidate: invitations, tokens, submissions."""
    key = email_key(email)
    invitations = select(InvitationRow.id, InvitationRow.token_id).where(
        func.lower(InvitationRow.candidate_email) == key
    )
    invited = session.execute(invitations.with_for_update() if lock else invitations).all()
    invitation_ids = sorted({i for i, _t in invited})
    tokens = session.execute(
        select(TokenRow.id, TokenRow.token_hash).where(
            or_(
                func.lower(TokenRow.candidate_email) == key,
                TokenRow.id.in_([t for _i, t in invited]),
            )
        )
    ).all()
    token_ids = sorted({t for t, _h in tokens})
    submissions = select(SubmissionRow.id).where(
        or_(
            func.lower(SubmissionRow.candidate_email) == key,
            SubmissionRow.invitation_id.in_(invitation_ids),
            SubmissionRow.submitted_by.in_(token_ids),
        )
    )
    submission_ids = session.scalars(submissions.with_for_update() if lock else submissions)
    return {
        "invitations": invitation_ids,
        "tokens": token_ids,
        "token_hashes": sorted({h for _t, h in tokens}),
        "submissions": sorted(set(submission_ids)),
    }


def _merged(old: dict[str, Any], new: dict[str, list[Any]]) -> dict[str, list[Any]]:
    kinds = old.keys() | new.keys()
    return {kind: sorted({*old.get(kind, []), *new.get(kind, [])}) for kind in kinds}


# -- step 2: the rows ---------------------------------------------------------------------
def erase_rows(session: Session, erasure_id: str, email: str) -> dict[str, int]:
    """Remove every row about the candidate (one transaction: the caller's); the counts."""
    erasure = session.get(ErasureRow, erasure_id)
    if erasure is None:
        raise ValueError(f"no erasure {erasure_id}")
    erasure.started_at = utcnow()  # a write first: on SQLite, the write lock from here on
    session.flush()
    if session.get_bind().dialect.name == "sqlite":  # freed pages zeroed, not left readable
        session.execute(text("PRAGMA secure_delete=ON"))
    ids = _merged(erasure.identifiers, collect(session, email, lock=True))
    submissions, invitations = ids["submissions"], ids["invitations"]
    # The comparisons first: which challenges to look in is read from the submissions.
    mentions = _scrub_comparisons(session, submissions)
    counts = {
        "similarity_mentions": mentions,
        **_delete_reviews(session, submissions, invitations),
        **_delete_submissions(session, submissions),
        "pushes": _delete(session, PushRow, PushRow.invitation_id.in_(invitations)),
        "invitations": _delete(session, InvitationRow, InvitationRow.id.in_(invitations)),
        "tokens": _delete(session, TokenRow, TokenRow.id.in_(ids["tokens"])),
        "audit_redacted": _redact_audit(session, email, [*submissions, *invitations]),
    }
    erasure.identifiers, erasure.counts = ids, counts
    erasure.state = State.ROWS_ERASED
    session.add(
        AuditRow(
            actor=erasure.actor,
            action=ACTION,
            subject=erasure.id,
            detail={"reason": erasure.reason, "counts": counts},
        )
    )
    session.flush()
    return counts


def _delete(session: Session, model: Any, condition: Any) -> int:
    result = session.execute(
        delete(model).where(condition), execution_options={"synchronize_session": False}
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _delete_reviews(
    session: Session, submissions: list[str], invitations: list[str]
) -> dict[str, int]:
    """Reviewers' decisions and comments about the candidate, and the deliveries that
    announced those decisions: they name the candidate's work, and refer to its rows."""
    about = or_(
        DecisionRow.submission_id.in_(submissions), DecisionRow.invitation_id.in_(invitations)
    )
    decisions = list(session.scalars(select(DecisionRow.id).where(about)))
    return {
        "decision_deliveries": _delete(
            session, WebhookDeliveryRow, WebhookDeliveryRow.decision_id.in_(decisions)
        ),
        "decisions": _delete(session, DecisionRow, DecisionRow.id.in_(decisions)),
        "comments": _delete(session, CommentRow, CommentRow.submission_id.in_(submissions)),
    }


def _delete_submissions(session: Session, ids: list[str]) -> dict[str, int]:
    """A submission's own rows first (they refer to it), then the submission."""
    return {
        "submission_events": _delete(
            session, SubmissionEventRow, SubmissionEventRow.submission_id.in_(ids)
        ),
        "reports": _delete(session, ReportRow, ReportRow.submission_id.in_(ids)),
        # Regrades' shadow results hold whole reports (and the replaced ones) of the candidate.
        "shadow_results": _delete(session, ShadowResultRow, ShadowResultRow.submission_id.in_(ids)),
        "webhook_deliveries": _delete(
            session, WebhookDeliveryRow, WebhookDeliveryRow.submission_id.in_(ids)
        ),
        "fingerprints": _delete(session, FingerprintsRow, FingerprintsRow.submission_id.in_(ids)),
        "similarity_results": _delete(session, SimilarityRow, SimilarityRow.submission_id.in_(ids)),
        "submissions": _delete(session, SubmissionRow, SubmissionRow.id.in_(ids)),
    }


def _scrub_comparisons(session: Session, erased: list[str]) -> int:
    """Remove the erased submissions from the others' stored comparisons; how many matches."""
    if not erased:
        return 0
    gone = set(erased)
    challenges = select(SubmissionRow.challenge_id).where(SubmissionRow.id.in_(erased))
    query = select(SimilarityRow).where(
        SimilarityRow.challenge_id.in_(challenges), SimilarityRow.submission_id.not_in(erased)
    )
    removed = 0
    for row in session.scalars(query):
        matches = row.report.get("submissions") or []
        kept = [m for m in matches if not (isinstance(m, dict) and m.get("other") in gone)]
        if len(kept) != len(matches):
            removed += len(matches) - len(kept)
            before = int(row.report.get("erased") or 0)
            # A new dict: the JSON column notices a replaced value, not one changed in place.
            row.report = {
                **row.report,
                "submissions": kept,
                "erased": before + len(matches) - len(kept),
            }
    return removed


def _redact_audit(session: Session, email: str, subjects: Collection[str]) -> int:
    """Replace the email in every audit row that names it; how many rows changed."""
    key = email_key(email)
    query = select(AuditRow).where(
        or_(
            AuditRow.subject.in_(list(subjects)),
            func.lower(AuditRow.subject).contains(key, autoescape=True),
            func.lower(AuditRow.actor).contains(key, autoescape=True),
            func.lower(cast(AuditRow.detail, Text)).contains(key, autoescape=True),
        )
    )
    changed = 0
    for row in session.scalars(query):
        subject, actor, detail = (_redacted(v, key) for v in (row.subject, row.actor, row.detail))
        if (subject, actor, detail) != (row.subject, row.actor, row.detail):
            row.subject, row.actor, row.detail = subject, actor, detail
            changed += 1
    return changed


def _redacted(value: Any, key: str) -> Any:
    if isinstance(value, str):
        return _replace_folded(value, key)
    if isinstance(value, dict):
        return {_redacted(k, key): _redacted(v, key) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v, key) for v in value]
    return value


def _replace_folded(text: str, key: str) -> str:
    """``text`` with every occurrence of ``key``, in any case, replaced."""
    out, start, folded = [], 0, text.lower()
    while (found := folded.find(key, start)) >= 0:
        out += [text[start:found], REDACTED]
        start = found + len(key)
    return "".join([*out, text[start:]])


# -- step 3: after the files --------------------------------------------------------------
def finish(session: Session, erasure_id: str, removed: dict[str, int]) -> dict[str, int]:
    """The erasure done: what the files step removed added to its counts; all counts."""
    erasure = session.get(ErasureRow, erasure_id)
    if erasure is None:
        raise ValueError(f"no erasure {erasure_id}")
    erasure.counts = {**erasure.counts, **removed}
    erasure.state, erasure.finished_at = State.DONE, utcnow()
    recorded = select(AuditRow).where(AuditRow.action == ACTION, AuditRow.subject == erasure_id)
    for row in session.scalars(recorded):  # the audit's counts: the files' too, now known
        row.detail = {**row.detail, "counts": dict(erasure.counts)}
    # Kept: the random ids a late push or a stale token is refused by, nothing else.
    ids = erasure.identifiers
    erasure.identifiers = {k: ids.get(k, []) for k in ("invitations", "token_hashes")}
    return dict(erasure.counts)


def checkpoint(session: Session) -> None:
    """SQLite: copy the write-ahead log into the database and empty it, so that no erased
    row stays readable in the log (PostgreSQL's dead rows go at its next vacuum)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def get(session: Session, erasure_id: str) -> ErasureRow | None:
    return session.get(ErasureRow, erasure_id)


def unfinished_files(session: Session) -> list[ErasureRow]:
    """Erasures whose rows are gone but whose files may not be."""
    return list(session.scalars(select(ErasureRow).where(ErasureRow.state == State.ROWS_ERASED)))


def _erased_ids(session: Session, kind: str) -> Iterable[str]:
    for identifiers in session.scalars(
        select(ErasureRow.identifiers).where(ErasureRow.state != State.PENDING)
    ):
        yield from identifiers.get(kind, [])


def invitation_erased(session: Session, invitation_id: str) -> bool:
    return invitation_id in set(_erased_ids(session, "invitations"))


def token_erased(session: Session, token_hash: str) -> bool:
    return token_hash in set(_erased_ids(session, "token_hashes"))
