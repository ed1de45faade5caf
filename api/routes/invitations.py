"""Invitations: a hosted repository and a token for a candidate, created by an admin."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Admin, SessionDep, SettingsDep
from api.schemas import InvitationIn, InvitationOut, InvitationSummary
from grader.hosting import invitations, repositories
from grader.store import hosted

router = APIRouter(prefix="/api/invitations", tags=["invitations"])


@router.post("", status_code=201, response_model=InvitationOut)
def create_invitation(body: InvitationIn, token: Admin, settings: SettingsDep) -> InvitationOut:
    """Create a candidate's hosted repository (seeded with the starter) and token.

    The token is shown here once; only its hash is kept.
    """
    created = invitations.invite(
        settings, body.challenge, body.candidate, f"token:{token.id}", body.external_repo
    )
    return InvitationOut(**created)


@router.get("", response_model=list[InvitationSummary])
def list_invitations(
    _token: Admin, session: SessionDep, settings: SettingsDep
) -> list[InvitationSummary]:
    """Every invitation, newest first."""
    counts = hosted.push_counts(session)
    return [
        InvitationSummary(
            id=row.id,
            challenge=row.challenge_id,
            candidate=row.candidate_email,
            clone_url=repositories.clone_url(settings, row.id),
            external_repo=row.external_repo,
            pushes=counts.get(row.id, 0),
            created_at=row.created_at,
        )
        for row in hosted.list_invitations(session)
    ]
