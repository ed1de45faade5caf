"""The sign-in pages' cookies: both sessions carry the same attributes, set and cleared alike.

The reviewer pages (/login) and the candidate page (/candidate/login) each set
a signed cookie of their own; both are HttpOnly, SameSite=Lax, scoped to the
whole site, live SESSION_MAX_AGE_S and are Secure when the public URL is https.
Signing out clears the cookie with the same attributes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.candidate_session import CANDIDATE_COOKIE
from api.deps import SESSION_COOKIE, SESSION_MAX_AGE_S
from api.main import create_app
from tests.api.conftest import create_token, settings_for

SIGN_INS = [
    ("reviewer", "/login", SESSION_COOKIE),
    ("candidate", "/candidate/login", CANDIDATE_COOKIE),
]
SIGN_OUTS = [("/logout", SESSION_COOKIE), ("/candidate/logout", CANDIDATE_COOKIE)]


def attributes(header: str) -> tuple[str, set[str]]:
    """The cookie's name and its attributes (lower-cased, the expiry date left out)."""
    pair, *rest = (part.strip() for part in header.split(";"))
    kept = {part.lower() for part in rest if not part.lower().startswith("expires=")}
    return pair.split("=", 1)[0], kept


@pytest.mark.parametrize(("role", "path", "cookie"), SIGN_INS)
@pytest.mark.parametrize(
    ("public_url", "secure"), [("http://testserver", False), ("https://grader.example", True)]
)
def test_signing_in_sets_the_session_cookie_with_its_attributes(
    tmp_path: Path, role: str, path: str, cookie: str, public_url: str, secure: bool
) -> None:
    settings = settings_for(tmp_path / "data", public_url)
    token = create_token(settings, role, "ada@example.com" if role == "candidate" else None)
    with TestClient(create_app(settings)) as client:
        response = client.post(path, data={"token": token}, follow_redirects=False)
    assert response.status_code == 303
    name, kept = attributes(response.headers["set-cookie"])
    expected = {"httponly", f"max-age={SESSION_MAX_AGE_S}", "path=/", "samesite=lax"}
    assert (name, kept) == (cookie, expected | ({"secure"} if secure else set()))
    assert token not in response.headers["set-cookie"]


@pytest.mark.parametrize(("path", "cookie"), SIGN_OUTS)
def test_signing_out_clears_the_session_cookie(tmp_path: Path, path: str, cookie: str) -> None:
    with TestClient(create_app(settings_for(tmp_path / "data"))) as client:
        response = client.post(path, follow_redirects=False)
    assert response.status_code == 303
    name, kept = attributes(response.headers["set-cookie"])
    assert (name, kept) == (cookie, {"httponly", "max-age=0", "path=/", "samesite=lax"})
