"""Blind review in the store: whether a challenge is reviewed blind, and who was revealed.

A challenge is blind when an admin's override says so, else when its manifest
(``[review] blind = true``, recorded at registration) does. A blinded
candidate's identity is shown to reviewers once ``is_revealed`` says so: today
when an admin recorded a reveal. The identity key of a candidate is chosen by
api/identity.py (their email, lowercased; a repository URL when a
submission has no candidate).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from grader.store.models import (
    DecisionRow,
    InvitationRow,
    RevealRow,
    ReviewSettingRow,
    SubmissionRow,
    utcnow,
)


class BlindSource(StrEnum):
    """What decided a challenge's blind setting."""

    DEFAULT = "default"  # neither the manifest nor an admin said anything
    MANIFEST = "manifest"
    OVERRIDE = "override"


@dataclass(frozen=True)
class BlindSetting:
    blind: bool
    source: BlindSource
    set_by: str | None = None


def _row(session: Session, challenge_id: str) -> ReviewSettingRow:
    row = session.get(ReviewSettingRow, challenge_id)
    if row is None:
        row = ReviewSettingRow(challenge_id=challenge_id, manifest_blind=False)
        session.add(row)
    return row


def record_manifest(session: Session, challenge_id: str, blind: bool) -> None:
    """What the challenge's current manifest says (at each registration)."""
    _row(session, challenge_id).manifest_blind = blind
    session.flush()


def set_override(session: Session, challenge_id: str, blind: bool | None, actor: str) -> None:
    """An admin's say for this challenge's round; None goes back to the manifest's."""
    row = _row(session, challenge_id)
    row.blind, row.set_by, row.set_at = blind, actor, utcnow()
    session.flush()


def blind_of(session: Session, challenge_id: str) -> BlindSetting:
    row = session.get(ReviewSettingRow, challenge_id)
    if row is None:
        return BlindSetting(False, BlindSource.DEFAULT)
    if row.blind is not None:
        return BlindSetting(row.blind, BlindSource.OVERRIDE, row.set_by)
    source = BlindSource.MANIFEST if row.manifest_blind else BlindSource.DEFAULT
    return BlindSetting(bool(row.manifest_blind), source)


def blind_challenges(session: Session) -> set[str]:
    """The ids of every challenge reviewed blind now."""
    rows = session.scalars(select(ReviewSettingRow)).all()
    return {r.challenge_id for r in rows if (r.blind if r.blind is not None else r.manifest_blind)}


def reveal(
    session: Session, challenge_id: str, candidate: str, actor: str
) -> tuple[RevealRow, bool]:
    """Record that ``candidate`` is shown to this challenge's reviewers: the reveal, and
    False when it had been recorded before (the first one is kept)."""
    found = _reveal_of(session, challenge_id, candidate)
    if found is not None:
        return found, False
    row = RevealRow(challenge_id=challenge_id, candidate=candidate, revealed_by=actor, at=utcnow())
    session.add(row)
    session.flush()
    return row, True


def _reveal_of(session: Session, challenge_id: str, candidate: str) -> RevealRow | None:
    return session.scalar(
        select(RevealRow).where(
            RevealRow.challenge_id == challenge_id, RevealRow.candidate == candidate
        )
    )


def is_revealed(session: Session, challenge_id: str, candidate: str) -> bool:
    """The one rule that lifts blindness for a candidate of a challenge: an admin's
    recorded reveal, or a decision recorded about the candidate (their invitation) or
    any of their submissions. Every page, export and API answer follows, since they all
    ask this function (api/identity.py caches its answers for one request).
    ``candidate``: the identity key (the lowercased email, else the repository)."""
    return _reveal_of(session, challenge_id, candidate) is not None or _decided(
        session, challenge_id, candidate
    )


def _decided(session: Session, challenge_id: str, candidate: str) -> bool:
    invitations = select(InvitationRow.id).where(
        InvitationRow.challenge_id == challenge_id,
        func.lower(InvitationRow.candidate_email) == candidate,
    )
    submissions = select(SubmissionRow.id).where(
        SubmissionRow.challenge_id == challenge_id,
        or_(
            func.lower(SubmissionRow.candidate_email) == candidate, SubmissionRow.repo == candidate
        ),
    )
    decided = select(DecisionRow.id).where(
        DecisionRow.challenge_id == challenge_id,
        or_(DecisionRow.invitation_id.in_(invitations), DecisionRow.submission_id.in_(submissions)),
    )
    return session.scalar(decided.limit(1)) is not None
