"""Invitations: a hosted repository and a token for a candidate, and managing them.

Creating one and sending a new token are an admin's; reviewers list, show,
extend, revoke and choose the graded submission. Every change is audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from api.deps import Admin, SessionDep, SettingsDep, Staff
from api.identity import Identities
from api.invitation_schemas import (
    ExtensionIn,
    GradedIn,
    InvitationIn,
    InvitationOut,
    InvitationView,
)
from grader.hosting import invitation_changes, invitations, repositories
from grader.store import hosted

router = APIRouter(prefix="/api/invitations", tags=["invitations"])


def existing(invitation_id: str, session: SessionDep) -> str:
    """The invitation named in the path, or 404."""
    if not repositories.INVITATION_ID.match(invitation_id):
        raise HTTPException(404, "no such invitation")
    if hosted.get_invitation(session, invitation_id) is None:
        raise HTTPException(404, "no such invitation")
    return invitation_id


Existing = Annotated[str, Depends(existing)]


@router.post("", status_code=201, response_model=InvitationOut)
def create_invitation(
    body: InvitationIn, token: Admin, settings: SettingsDep, response: Response
) -> InvitationOut:
    """Create a candidate's hosted repository (seeded with the starter) and token.

    The token is shown here once; only its hash is kept. If the candidate already
    has a live invitation to this challenge, that one comes back (200, no token).
    """
    created = invitations.create(settings, body.request, f"token:{token.id}")
    if created.get("existing"):
        response.status_code = 200
    return InvitationOut(**created)


@router.get("", response_model=list[InvitationView])
def list_invitations(
    token: Staff,
    session: SessionDep,
    settings: SettingsDep,
    challenge: Annotated[str | None, Query(max_length=100)] = None,
) -> list[InvitationView]:
    """Every invitation (of one challenge), newest first; under blind review a reviewer
    gets the candidate's pseudonym and no repository."""
    rows = hosted.list_invitations(session, challenge_id=challenge)
    ids = Identities(session, settings, token)
    return [_view(ids, row.id, invitations.describe(session, settings, row)) for row in rows]


def _view(ids: Identities, invitation_id: str, described: dict[str, Any]) -> InvitationView:
    """An invitation as the viewer may see it (api/identity.py)."""
    row = hosted.get_invitation(ids.session, invitation_id)
    shown = ids.invitation(row) if row is not None else None
    if shown is not None and shown.blinded:
        hidden: dict[str, str | None] = {"candidate": shown.name, "clone_url": shown.repo}
        hidden["external_repo"] = shown.repo if described.get("external_repo") else None
        described = {**described, **hidden}
    return InvitationView(**described)


@router.get("/{invitation_id}", response_model=InvitationView)
def show_invitation(
    invitation_id: Existing, token: Staff, session: SessionDep, settings: SettingsDep
) -> InvitationView:
    """One invitation: its window, time left, and the submission that counts."""
    row = invitations.find(session, invitation_id)
    ids = Identities(session, settings, token)
    return _view(ids, row.id, invitations.describe(session, settings, row))


@router.post("/{invitation_id}/resend", response_model=InvitationOut)
def resend_invitation(
    invitation_id: Existing, token: Admin, settings: SettingsDep
) -> InvitationOut:
    """A new token (shown once) and the clone URL; the old token stops working."""
    return InvitationOut(**invitations.resend(settings, invitation_id, f"token:{token.id}"))


@router.post("/{invitation_id}/revoke", response_model=InvitationView)
def revoke_invitation(
    invitation_id: Existing, token: Staff, session: SessionDep, settings: SettingsDep
) -> InvitationView:
    """The token stops working for clone, push and the API; the repository is kept."""
    revoked = invitation_changes.revoke(settings, invitation_id, f"token:{token.id}")
    return _view(Identities(session, settings, token), invitation_id, revoked)


@router.post("/{invitation_id}/extend", response_model=InvitationView)
def extend_invitation(
    invitation_id: Existing,
    body: ExtensionIn,
    token: Staff,
    session: SessionDep,
    settings: SettingsDep,
) -> InvitationView:
    """Move the deadline later, by a duration or to a moment."""
    actor = f"token:{token.id}"
    extended = invitation_changes.extend(settings, invitation_id, body.change, actor)
    return _view(Identities(session, settings, token), invitation_id, extended)


@router.put("/{invitation_id}/graded", response_model=InvitationView)
def choose_graded(
    invitation_id: Existing,
    body: GradedIn,
    token: Staff,
    session: SessionDep,
    settings: SettingsDep,
) -> InvitationView:
    """Choose which of the invitation's submissions counts (null: the last one in time)."""
    actor = f"token:{token.id}"
    chosen = invitation_changes.choose_graded(settings, invitation_id, body.submission, actor)
    return _view(Identities(session, settings, token), invitation_id, chosen)
