"""Annotated dependencies: settings, a database session, the caller's token and role.

The API takes bearer tokens; the reviewer pages take a signed session cookie that
the login page sets from an admin or reviewer token.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from grader.config import Settings
from grader.hosting import gate
from grader.store import hosted, repo
from grader.store.db import session_scope
from grader.store.models import Role, TokenRow

bearer = HTTPBearer(auto_error=False, description="An API token: Authorization: Bearer <token>")


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(settings: SettingsDep) -> Iterator[Session]:
    with session_scope(settings.effective_database_url) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def current_token(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> TokenRow:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    token = repo.token_for_secret(session, credentials.credentials)
    if token is None:
        revoked = hosted.revoked_token(session, credentials.credentials)
        reason = gate.revoked_reason(revoked[1]) if revoked else "invalid token"
        raise HTTPException(401, reason, headers={"WWW-Authenticate": "Bearer"})
    return token


TokenDep = Annotated[TokenRow, Depends(current_token)]


def require(*roles: str) -> object:
    def check(token: TokenDep) -> TokenRow:
        if token.role not in roles:
            raise HTTPException(403, f"a {token.role} token may not do this")
        return token

    return Depends(check)


Admin = Annotated[TokenRow, require(Role.ADMIN)]
Staff = Annotated[TokenRow, require(Role.ADMIN, Role.REVIEWER)]
Submitter = Annotated[TokenRow, require(Role.ADMIN, Role.CANDIDATE)]
# Every person's role; a worker's token reads repositories and bundles, nothing here.
AnyRole = Annotated[TokenRow, require(Role.ADMIN, Role.REVIEWER, Role.CANDIDATE)]
BundleReader = Annotated[TokenRow, require(Role.ADMIN, Role.WORKER)]


# -- the reviewer pages: a signed session cookie -------------------------------------------
SESSION_COOKIE = "grader_session"
SESSION_MAX_AGE_S = 12 * 3600
PAGE_ROLES = (Role.ADMIN, Role.REVIEWER)


def session_secret(settings: Settings) -> str:
    """GRADER_SECRET_KEY, else a key generated once into <data_dir>/secret_key (mode 0600)."""
    configured = settings.secret_key
    if configured:
        return configured
    path = settings.data_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process wrote it first: use theirs
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def session_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(session_secret(settings), salt="grader-reviewer-session")


def session_cookie_value(settings: Settings, token: TokenRow) -> str:
    """What the login page puts in the cookie: the token's id, signed (never the token)."""
    return session_serializer(settings).dumps({"token": token.id, "hash": token.token_hash[:16]})


def _cookie_token(request: Request, session: Session, settings: Settings) -> TokenRow | None:
    """The admin or reviewer token of a valid session cookie, or None."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        data = session_serializer(settings).loads(raw, max_age=SESSION_MAX_AGE_S)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("token"), int):
        return None
    token = repo.get_token(session, data["token"])
    if token is None or token.revoked or token.role not in PAGE_ROLES:
        return None
    return token if token.token_hash[:16] == data.get("hash") else None


def page_reviewer(request: Request, session: SessionDep, settings: SettingsDep) -> TokenRow:
    """For a page: the signed-in reviewer, or a redirect to the login page."""
    token = _cookie_token(request, session, settings)
    if token is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(
            303, "sign in first", headers={"Location": f"/login?{urlencode({'next': target})}"}
        )
    return token


def poll_reviewer(request: Request, session: SessionDep, settings: SettingsDep) -> TokenRow:
    """For the pages' own JSON: the signed-in reviewer, or 401."""
    token = _cookie_token(request, session, settings)
    if token is None:
        raise HTTPException(401, "the session has expired: sign in again")
    return token


PageReviewer = Annotated[TokenRow, Depends(page_reviewer)]
PollReviewer = Annotated[TokenRow, Depends(poll_reviewer)]
