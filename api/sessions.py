"""Setting and clearing the sign-in pages' session cookies, with the attributes both share.

The reviewer pages' cookie (api/deps.py) and the candidate page's
(api/candidate_session.py) differ in name and signature only: both are
HttpOnly (no script reads them), SameSite=Lax (no cross-site form posts with
them), live SESSION_MAX_AGE_S, and are Secure when the public URL is https.
"""

from __future__ import annotations

from fastapi.responses import Response

from api.deps import SESSION_MAX_AGE_S
from grader.config import Settings


def set_session_cookie(response: Response, name: str, value: str, settings: Settings) -> None:
    response.set_cookie(
        name,
        value,
        max_age=SESSION_MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=settings.public_url.startswith("https://"),
    )


def clear_session_cookie(response: Response, name: str) -> None:
    response.delete_cookie(name, httponly=True, samesite="lax")
