"""The candidate page's sign-in: a signed cookie of its own, from a candidate token.

Kept apart from the reviewer pages' session (another cookie, another salt), so a
candidate's cookie never opens a reviewer page and a reviewer's never opens this
one. The cookie holds the token's id and a prefix of its hash, never the token;
revoking the token ends the session.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from api.deps import SESSION_MAX_AGE_S, SessionDep, SettingsDep, session_secret
from grader.config import Settings
from grader.store import repo
from grader.store.models import Role, TokenRow

CANDIDATE_COOKIE = "grader_candidate"
LOGIN = "/candidate/login"


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(session_secret(settings), salt="grader-candidate-session")


def candidate_cookie_value(settings: Settings, token: TokenRow) -> str:
    return _serializer(settings).dumps({"token": token.id, "hash": token.token_hash[:16]})


def _cookie_candidate(request: Request, session: Session, settings: Settings) -> TokenRow | None:
    raw = request.cookies.get(CANDIDATE_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(settings).loads(raw, max_age=SESSION_MAX_AGE_S)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("token"), int):
        return None
    token = repo.get_token(session, data["token"])
    if token is None or token.revoked or token.role != Role.CANDIDATE:
        return None
    return token if token.token_hash[:16] == data.get("hash") else None


def page_candidate(request: Request, session: SessionDep, settings: SettingsDep) -> TokenRow:
    """For the candidate page: the signed-in candidate, or a redirect to their sign-in."""
    token = _cookie_candidate(request, session, settings)
    if token is None:
        raise HTTPException(303, "sign in first", headers={"Location": LOGIN})
    return token


PageCandidate = Annotated[TokenRow, Depends(page_candidate)]
