"""Annotated dependencies: settings, a database session, the caller's token and role."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from grader.config import Settings
from grader.store import repo
from grader.store.db import session_scope
from grader.store.models import TokenRow

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
        raise HTTPException(401, "invalid token", headers={"WWW-Authenticate": "Bearer"})
    return token


TokenDep = Annotated[TokenRow, Depends(current_token)]


def require(*roles: str) -> object:
    def check(token: TokenDep) -> TokenRow:
        if token.role not in roles:
            raise HTTPException(403, f"a {token.role} token may not do this")
        return token

    return Depends(check)


Admin = Annotated[TokenRow, require("admin")]
Staff = Annotated[TokenRow, require("admin", "reviewer")]
Submitter = Annotated[TokenRow, require("admin", "candidate")]
AnyRole = Annotated[TokenRow, require("admin", "reviewer", "candidate")]
