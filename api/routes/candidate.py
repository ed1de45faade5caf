"""The candidate's side: their submissions as the challenge's feedback policy allows.

/candidate/login takes the candidate's token (the password they push with) and
sets the candidate session cookie (api/candidate_session.py); /candidate shows
the invitation's submission history, newest first, each through
grader.candidate_feedback (the page refreshes itself while one is being
graded). GET /api/me/submissions is the same history as JSON for a candidate
token. Staff tokens are refused on both: reviewers have their own pages.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.candidate_schemas import CandidateSubmissionOut, submission_out
from api.candidate_session import (
    CANDIDATE_COOKIE,
    LOGIN,
    PageCandidate,
    candidate_cookie_value,
)
from api.deps import SessionDep, SettingsDep, require
from api.routes.pages import page_error, render
from api.sessions import clear_session_cookie, set_session_cookie
from grader.candidate_feedback import views_of_invitation
from grader.hosting.repositories import clone_url
from grader.store import hosted, repo
from grader.store.models import Role, TokenRow

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/me", tags=["candidate"])
REFRESH_S = 10
CandidateToken = Annotated[TokenRow, require(Role.CANDIDATE)]


@router.get(LOGIN)
def candidate_login_form(request: Request) -> Response:
    return render(request, "candidate_login.html", {"error": None})


@router.post(LOGIN)
def candidate_login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    row = repo.token_for_secret(session, token.strip()) if token.strip() else None
    if row is None or row.role != Role.CANDIDATE:
        status = 401 if row is None else 403
        error = (
            "That token is not valid."
            if row is None
            else "This page is for candidates: reviewers sign in at /login."
        )
        return render(request, "candidate_login.html", {"error": error}, status)
    response = RedirectResponse("/candidate", status_code=303)
    set_session_cookie(response, CANDIDATE_COOKIE, candidate_cookie_value(settings, row), settings)
    repo.audit(session, f"token:{row.id}", "candidate.login")
    return response


@router.post("/candidate/logout")
def candidate_logout() -> Response:
    response = RedirectResponse(LOGIN, status_code=303)
    clear_session_cookie(response, CANDIDATE_COOKIE)
    return response


@router.get("/candidate")
def candidate_page(
    request: Request, candidate: PageCandidate, session: SessionDep, settings: SettingsDep
) -> Response:
    invitation = hosted.invitation_of_token(session, candidate.id)
    if invitation is None:
        return page_error(request, 404, "This token has no invitation.")
    views = views_of_invitation(session, invitation.id)
    context = {
        "user": None,  # the reviewer header stays empty: this page has its own sign-out
        "candidate": candidate.candidate_email,
        "challenge": repo.get_challenge(session, invitation.challenge_id),
        "clone_url": clone_url(settings, invitation.id),
        "views": views,
        "refresh": REFRESH_S if any(v.status in ("queued", "running") for v in views) else None,
    }
    return render(request, "candidate.html", context)


@api_router.get("/submissions", response_model=list[CandidateSubmissionOut])
def my_submissions(token: CandidateToken, session: SessionDep) -> list[CandidateSubmissionOut]:
    """A candidate token's submissions for its invitation, newest first, as the challenge's
    feedback policy allows. Candidate tokens only."""
    invitation = hosted.invitation_of_token(session, token.id)
    if invitation is None:
        return []
    return [submission_out(v) for v in views_of_invitation(session, invitation.id)]
