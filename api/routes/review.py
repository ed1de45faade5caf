"""Blind review: a challenge's setting, and an admin revealing a blinded candidate.

GET /api/challenges/{id}/review says whether the challenge's round is reviewed
blind and why; an admin's PUT overrides the manifest for it (or, with null,
goes back to the manifest). POST .../reveal on a submission or an invitation
shows that candidate's identity to the challenge's reviewers from then on.
Both changes are audited (``review.blind``, ``identity.reveal``).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from sqlalchemy.orm import Session

from api.blind_schemas import RevealOut, ReviewIn, ReviewOut
from api.deps import Admin, SessionDep, SettingsDep, Staff, session_secret
from api.identity import identity_key, pseudonym
from grader.config import Settings
from grader.hosting.repositories import clone_url
from grader.store import hosted, repo, reveals
from grader.store.models import TokenRow
from grader.timestamps import utc

router = APIRouter(tags=["blind review"])


def _known(session: Session, challenge_id: str) -> None:
    if repo.get_challenge(session, challenge_id) is None:
        raise HTTPException(404, f"no such challenge {challenge_id!r}")


def _setting(session: Session, challenge_id: str) -> ReviewOut:
    found = reveals.blind_of(session, challenge_id)
    return ReviewOut(challenge=challenge_id, blind=found.blind, source=found.source)


@router.get("/api/challenges/{challenge_id}/review", response_model=ReviewOut)
def get_review(challenge_id: str, _token: Staff, session: SessionDep) -> ReviewOut:
    """Whether reviewers of this challenge see pseudonyms, and what decided it."""
    _known(session, challenge_id)
    return _setting(session, challenge_id)


@router.put("/api/challenges/{challenge_id}/review", response_model=ReviewOut)
def set_review(challenge_id: str, body: ReviewIn, token: Admin, session: SessionDep) -> ReviewOut:
    """Review this challenge's round blind (true) or not (false), whatever its manifest
    says; null goes back to the manifest's `[review] blind`."""
    _known(session, challenge_id)
    reveals.set_override(session, challenge_id, body.blind, f"token:{token.id}")
    repo.audit(session, f"token:{token.id}", "review.blind", challenge_id, {"blind": body.blind})
    return _setting(session, challenge_id)


def _reveal(
    session: Session, settings: Settings, token: TokenRow, challenge_id: str, key: str, subject: str
) -> RevealOut:
    actor = f"token:{token.id}"
    row, new = reveals.reveal(session, challenge_id, key, actor)
    repo.audit(session, actor, "identity.reveal", subject, {"challenge": challenge_id, "new": new})
    alias = pseudonym(session_secret(settings), challenge_id, key)
    return RevealOut(
        challenge=challenge_id, candidate=key, pseudonym=alias, revealed=new, at=utc(row.at)
    )


@router.post("/api/submissions/{submission_id}/reveal", response_model=RevealOut)
def reveal_submission(
    submission_id: str, token: Admin, session: SessionDep, settings: SettingsDep
) -> RevealOut:
    """Show this submission's candidate to the challenge's reviewers (blind review)."""
    row = repo.get_submission(session, submission_id)
    if row is None:
        raise HTTPException(404, "no such submission")
    key = identity_key(row.candidate_email, row.repo)
    return _reveal(session, settings, token, row.challenge_id, key, submission_id)


@router.post("/api/invitations/{invitation_id}/reveal", response_model=RevealOut)
def reveal_invitation(
    invitation_id: str, token: Admin, session: SessionDep, settings: SettingsDep
) -> RevealOut:
    """Show this invitation's candidate to the challenge's reviewers (blind review)."""
    row = hosted.get_invitation(session, invitation_id)
    if row is None:
        raise HTTPException(404, "no such invitation")
    key = identity_key(row.candidate_email, clone_url(settings, row.id))
    return _reveal(session, settings, token, row.challenge_id, key, invitation_id)
