"""Invitations: a candidate's token and a hosted repository seeded with the challenge.

An invitation creates the repository, seeded with one commit holding the
challenge's starter and statement, and a candidate token whose secret is the
password for ``git clone``/``git push`` over HTTP (api/routes/git.py serves it).
An invitation may instead name an external https repository, whose host's
webhook tells of pushes (grader/hosting/pushes.py queues them).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from grader import fetch, git
from grader.challenge import load_challenge
from grader.config import Settings
from grader.errors import BadInput
from grader.hosting.readme import STATEMENT, seed_readme
from grader.hosting.repositories import clone_url, repository_path
from grader.store import hosted, repo
from grader.store.db import session_scope
from grader.store.models import InvitationRow, Role

SEED_MESSAGE = "Start the challenge\n\nThe starter files and the task statement, from the grader."


def invite(
    settings: Settings,
    challenge_id: str,
    candidate_email: str,
    actor: str,
    external_repo: str | None = None,
) -> dict[str, Any]:
    """Create the invitation, its token and its seeded repository; returns what to send."""
    with session_scope(settings.effective_database_url) as session:
        challenge = repo.get_challenge(session, challenge_id)
        if challenge is None:
            raise BadInput(f"unknown challenge {challenge_id!r}")
        version = repo.challenge_version(session, challenge.id, challenge.current_version)
        if version is None:
            raise BadInput(f"challenge {challenge_id!r} has no registered version")
        if external_repo is not None:
            _check_external_repo(session, external_repo)
        secret, token = repo.create_token(
            session,
            Role.CANDIDATE,
            f"invitation for {candidate_email}",
            candidate_email=candidate_email,
        )
        webhook_secret = secrets.token_hex(24) if external_repo else None
        invitation = hosted.create_invitation(
            session,
            challenge=challenge,
            candidate_email=candidate_email,
            token_id=token.id,
            webhook_secret=webhook_secret,
        )
        invitation.external_repo = external_repo
        root = Path(version.root)
        bare = repository_path(settings, invitation.id)
        invitation.seed_commit = git.seed_bare_repository(
            bare, root / "starter", seed_files(root, invitation), SEED_MESSAGE
        )
        invitation.repo_path = str(bare)
        repo.audit(
            session,
            actor,
            "invitation.create",
            invitation.id,
            {"challenge": challenge_id, "candidate": candidate_email},
        )
        result: dict[str, Any] = {
            "id": invitation.id,
            "challenge": challenge_id,
            "candidate": candidate_email,
            "clone_url": clone_url(settings, invitation.id),
            "token": secret,
        }
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


def readme_deadline(_invitation: InvitationRow) -> str | None:
    """The invitation's deadline as the README says it ("2026-05-04 17:00 UTC"), or None.

    The hook for time-boxed invitations: none has a deadline yet."""
    return None


def _check_external_repo(session: Session, url: str) -> None:
    """An external repository is graded over https, and names one invitation only."""
    location = fetch.locate(url, fetch.FetchPolicy())
    if location.protocols != ("https",):
        raise BadInput(f"external repository {url!r} must be an https URL")
    if hosted.invitation_for_external_repo(session, url) is not None:
        # Webhooks find their invitation by this URL: two would make it ambiguous.
        raise BadInput(f"external repository {url!r} already belongs to another invitation")
