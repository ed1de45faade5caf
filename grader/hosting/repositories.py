"""Where hosted repositories live, and which repository a URL or a token names.

A hosted repository is one bare repository per invitation, under the data
directory, named by the invitation's id; its clone URL is the server's public
URL plus ``/git/<id>.git``. Only the ids of invitations are ever taken from a
URL, so no URL names a path of its choosing.
"""

from __future__ import annotations

import re
from pathlib import Path

from grader import fetch
from grader.config import Settings
from grader.errors import RepositoryError
from grader.store.models import InvitationRow, Role, TokenRow

DEFAULT_BRANCH = "main"

INVITATION_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def repository_path(settings: Settings, invitation_id: str) -> Path:
    return settings.subdir("repos") / f"{invitation_id}.git"


def clone_url(settings: Settings, invitation_id: str) -> str:
    return f"{settings.public_url.rstrip('/')}/git/{invitation_id}.git"


def invitation_id_of(settings: Settings, url: str) -> str | None:
    """The invitation whose hosted repository ``url`` is, if it is one of ours."""
    for prefix in settings.hosted_prefixes:
        if url.startswith(prefix):
            name = url.removeprefix(prefix).removesuffix(".git")
            return name if INVITATION_ID.match(name) else None
    return None


def local_repository(settings: Settings, url: str) -> Path | None:
    """The bare repository on this host behind a hosted clone URL, or None.

    The worker reads hosted repositories from disk: over HTTP it would need a
    candidate's credentials, which it never has.
    """
    invitation_id = invitation_id_of(settings, url)
    if invitation_id is None:
        return None
    path = repository_path(settings, invitation_id)
    return path if path.is_dir() else None


def check_submission_url(settings: Settings, url: str) -> None:
    """Refuse, before anything is queued, a repository URL the worker would refuse."""
    policy = fetch.FetchPolicy(
        local_roots=(settings.data_dir / "repos",),
        hosted_prefixes=tuple(settings.hosted_prefixes),
    )
    fetch.locate(url, policy)
    if url.startswith(tuple(settings.hosted_prefixes)) and local_repository(settings, url) is None:
        raise RepositoryError(f"repository not found: {url}")


def may_use(token: TokenRow, invitation: InvitationRow) -> bool:
    """A hosted repository is its candidate's (and an admin's), nobody else's."""
    return token.role == Role.ADMIN or token.id == invitation.token_id


def may_read(token: TokenRow, invitation: InvitationRow) -> bool:
    """Who may clone or fetch it: whoever may use it, a reviewer (they read the work) and a
    worker (it grades it); the last two never push."""
    return may_use(token, invitation) or token.role in (Role.REVIEWER, Role.WORKER)
