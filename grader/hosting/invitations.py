"""Invitations: a candidate's token and a hosted repository seeded with the challenge.

An invitation creates the repository, seeded with one commit holding the
challenge's starter and statement, and a candidate token whose secret is the
password for ``git clone``/``git push`` over HTTP (api/routes/git.py serves it).
An invitation may instead name an external https repository, whose host's
webhook tells of pushes (grader/hosting/pushes.py queues them).

An invitation may be time-boxed (grader/hosting/deadlines.py): its window comes
from the request, else from the challenge's ``[deadline]`` table. A second
invitation of the same candidate to the same challenge returns the first one
(without its token, which is never stored) unless the first was revoked.
``resend`` replaces the token; revoking, extending and choosing the graded
submission are in grader/hosting/invitation_changes.py.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from grader import fetch, git
from grader.challenge import load_challenge
from grader.config import Settings
from grader.errors import BadInput
from grader.hosting import deadlines, terms
from grader.hosting.readme import STATEMENT, seed_readme
from grader.hosting.repositories import clone_url, repository_path
from grader.store import hosted, repo
from grader.store.db import session_scope
from grader.store.models import ChallengeVersionRow, InvitationRow, Role
from grader.timestamps import rfc3339

SEED_MESSAGE = "Start the challenge\n\nThe starter files and the task statement, from the grader."


def invite(
    settings: Settings,
    challenge_id: str,
    candidate_email: str,
    actor: str,
    external_repo: str | None = None,
    **window: str | None,
) -> dict[str, Any]:
    """Check the values as the API does (terms.py), then ``create``; ``window`` takes
    opens_at, due_at, duration and late as strings."""
    request = terms.invitation_request(
        challenge_id,
        candidate_email,
        now=deadlines.clock(),
        external_repo=external_repo,
        **window,
    )
    return create(settings, request, actor)


def create(settings: Settings, request: terms.InvitationRequest, actor: str) -> dict[str, Any]:
    """Create the invitation, its token and its seeded repository; returns what to send.

    If the candidate already has a live invitation to the challenge, that one is
    returned instead, with ``"existing": true`` and no token.
    """
    with session_scope(settings.effective_database_url) as session:
        challenge = repo.get_challenge(session, request.challenge)
        if challenge is None:
            raise BadInput(f"unknown challenge {request.challenge!r}")
        version = repo.challenge_version(session, challenge.id, challenge.current_version)
        if version is None:
            raise BadInput(f"challenge {request.challenge!r} has no registered version")
        first = hosted.open_invitation_for(session, challenge.id, request.candidate)
        if first is not None:
            return {**describe(session, settings, first), "existing": True}
        if request.external_repo is not None:
            _check_external_repo(session, request.external_repo)
        secret, token = repo.create_token(
            session,
            Role.CANDIDATE,
            f"invitation for {request.candidate}",
            candidate_email=request.candidate,
        )
        webhook_secret = secrets.token_hex(24) if request.external_repo else None
        defaults = load_challenge(Path(version.root)).deadline
        duration = request.duration or (None if request.due_at else defaults.duration)
        invitation = hosted.create_invitation(
            session,
            challenge=challenge,
            candidate_email=request.candidate,
            token_id=token.id,
            webhook_secret=webhook_secret,
            opens_at=request.opens_at,
            due_at=request.due_at,
            duration_s=int(duration.total_seconds()) if duration else None,
            late_policy=(request.late or defaults.late).value,
        )
        invitation.external_repo = request.external_repo
        _seed(settings, invitation, version)
        window = deadlines.deadline_of(invitation, deadlines.clock()).to_json()
        repo.audit(
            session,
            actor,
            "invitation.create",
            invitation.id,
            {"challenge": challenge.id, "candidate": request.candidate, "window": window},
        )
        result = describe(session, settings, invitation)
        result["token"] = secret
        if webhook_secret:
            result["webhook_secret"] = webhook_secret
        return result


def seed_files(root: Path, invitation: InvitationRow) -> dict[str, bytes]:
    """What the seed commit adds to the starter: the statement, and the README that
    says how the candidate is graded (over the starter's own, which it includes)."""
    starter_readme = root / "starter" / "README.md"
    own = starter_readme.read_text(encoding="utf-8") if starter_readme.is_file() else None
    readme = seed_readme(load_challenge(root), own, readme_deadline(invitation))
    return {STATEMENT: (root / "statement.md").read_bytes(), "README.md": readme.encode()}


def readme_deadline(invitation: InvitationRow) -> str | None:
    """The invitation's deadline as the README says it, when it is known at invitation
    time ("2026-05-04T17:00:00Z (UTC). A push after the deadline is refused"), or None."""
    line = deadlines.readme_line(deadlines.deadline_of(invitation, deadlines.clock()))
    return None if line is None else line.removeprefix("Deadline: ").rstrip(".")


def _seed(settings: Settings, invitation: InvitationRow, version: ChallengeVersionRow) -> None:
    root = Path(version.root)
    bare = repository_path(settings, invitation.id)
    invitation.seed_commit = git.seed_bare_repository(
        bare, root / "starter", seed_files(root, invitation), SEED_MESSAGE
    )
    invitation.repo_path = str(bare)


def resend(settings: Settings, invitation_id: str, actor: str) -> dict[str, Any]:
    """A new token for the invitation (the old one stops working); returns what to send."""
    with session_scope(settings.effective_database_url) as session:
        invitation = live_invitation(session, invitation_id)
        old = repo.get_token(session, invitation.token_id)
        secret, token = repo.create_token(
            session,
            Role.CANDIDATE,
            f"invitation for {invitation.candidate_email}",
            candidate_email=invitation.candidate_email,
        )
        if old is not None:
            old.revoked = True
        invitation.token_id = token.id
        detail = {"old_token": old.id if old else None, "new_token": token.id}
        repo.audit(session, actor, "invitation.resend", invitation.id, detail)
        return {**describe(session, settings, invitation), "token": secret}


def live_invitation(session: Session, invitation_id: str) -> InvitationRow:
    """The invitation, if it exists and is not revoked; else BadInput."""
    invitation = find(session, invitation_id)
    if invitation.revoked_at is not None:
        raise BadInput(
            f"invitation {invitation_id} was revoked at {rfc3339(invitation.revoked_at)}; "
            "invite the candidate again"
        )
    return invitation


def find(session: Session, invitation_id: str) -> InvitationRow:
    invitation = hosted.get_invitation(session, invitation_id[:36])
    if invitation is None:
        raise BadInput(f"no invitation {invitation_id[:36]!r}")
    return invitation


def describe(
    session: Session, settings: Settings, row: InvitationRow, now: datetime | None = None
) -> dict[str, Any]:
    """An invitation as the API and the CLI show it: never its token nor its webhook secret."""
    graded = hosted.graded_submission(session, row)
    return {
        "id": row.id,
        "challenge": row.challenge_id,
        "candidate": row.candidate_email,
        "clone_url": clone_url(settings, row.id),
        "external_repo": row.external_repo,
        "pushes": hosted.push_counts(session, row.id).get(row.id, 0),
        "created_at": rfc3339(row.created_at),
        "started_at": rfc3339(row.started_at) if row.started_at else None,
        "revoked_at": rfc3339(row.revoked_at) if row.revoked_at else None,
        "deadline": deadlines.deadline_of(row, now or deadlines.clock()).to_json(),
        "graded_submission": graded.id if graded else None,
        "graded_chosen": row.graded_submission_id is not None,
    }


def _check_external_repo(session: Session, url: str) -> None:
    """An external repository is graded over https, and names one invitation only."""
    location = fetch.locate(url, fetch.FetchPolicy())
    if location.protocols != ("https",):
        raise BadInput(f"external repository {url!r} must be an https URL")
    if hosted.invitation_for_external_repo(session, url) is not None:
        # Webhooks find their invitation by this URL: two would make it ambiguous.
        raise BadInput(f"external repository {url!r} already belongs to another invitation")
