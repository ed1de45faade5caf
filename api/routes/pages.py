"""The reviewer pages: server-rendered HTML for admins and reviewers, signed in by cookie.

/login takes an admin or reviewer API token and sets a signed session cookie
(candidate tokens are refused). / is the dashboard: each challenge with its
candidates' latest submissions, sortable by query parameter, statuses kept
fresh by polling /dashboard.json. /submissions/{id} is a report: a skill chart
(SVG drawn by the template), the tests, the git history as a timeline with each
finding on its commit, the test run's output and the similar submissions.
/submissions/{id}/similar/{other} shows the fragments a similar pair shares,
side by side with line numbers. /challenges/{id}/compare puts several
submissions' scores side by side. /operations (admins only) shows the workers,
the queue and the last infrastructure failures. Everything a candidate wrote (test
output, messages, commit subjects) is escaped by Jinja's autoescaping, and the
pages' only script is inline under a per-response CSP nonce.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.code import STYLE as CODE_STYLE
from api.code import visible
from api.deps import (
    PAGE_ROLES,
    SESSION_COOKIE,
    SESSION_MAX_AGE_S,
    PageReviewer,
    PollReviewer,
    SessionDep,
    SettingsDep,
    session_cookie_value,
)
from api.operations import operations_view
from api.presenters import (
    boards,
    compare_columns,
    compared_skills,
    report_context,
    requested_ids,
    test_rows,
)
from api.routes.exports import known_challenge, results_csv
from api.similar import FLOOR, side_by_side, similar
from grader.store import repo
from grader.store.models import Role
from grader.store.results import challenge_results, skill_names
from grader.timestamps import rfc3339, utc

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
NONE = "\u2013"  # an en dash, for a value there is not
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
CSP = (
    "default-src 'none'; style-src 'nonce-{n}'; script-src 'nonce-{n}'; connect-src 'self'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


# -- rendering -----------------------------------------------------------------------------
def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    nonce = secrets.token_urlsafe(16)
    response = templates.TemplateResponse(
        request, name, {**context, "nonce": nonce}, status_code=status
    )
    response.headers["Content-Security-Policy"] = CSP.format(n=nonce)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


def page_error(request: Request, status: int, message: str, user: Any = None) -> Response:
    context = {"status": status, "message": message, "user": user}
    return render(request, "error.html", context, status)


def _score(value: Any) -> str:
    return NONE if not isinstance(value, int | float) else f"{value:.1f}"


def _duration(seconds: Any) -> str:
    if not isinstance(seconds, int | float):
        return NONE
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _size(size: Any) -> str:
    """A byte count as a reader says it: 812 B, 4.2 KB, 5.0 MB."""
    if not isinstance(size, int):
        return NONE
    for unit, scale in (("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def _when(moment: Any) -> str:
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return str(moment)
    if not isinstance(moment, datetime):
        return NONE
    return utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def _ago(moment: Any, now: datetime | None = None) -> str:
    """How long ago ``moment`` was, roughly: "42 s ago", "5 min ago", "3 h ago", "2 d ago"."""
    if not isinstance(moment, datetime):
        return NONE
    seconds = max(((now or datetime.now(UTC)) - utc(moment)).total_seconds(), 0.0)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size:.0f} {unit} ago"
    return f"{seconds:.0f} s ago"


templates.env.filters.update(
    score=_score,
    duration=_duration,
    when=_when,
    ago=_ago,
    rfc3339=lambda moment: rfc3339(moment) if isinstance(moment, datetime) else "",
    short=lambda sha: (sha or NONE)[:10],
    percent=lambda share: f"{share * 100:.0f} %" if isinstance(share, int | float) else NONE,
    noansi=lambda text: ANSI.sub("", text or ""),
    visible=visible,
    size=_size,
    weight=lambda value: f"{value:g}" if isinstance(value, int | float) else NONE,
)
templates.env.globals["code_style"] = CODE_STYLE


# -- signing in ----------------------------------------------------------------------------
def _safe_next(target: str) -> str:
    """Only a path on this site: never //host or an absolute URL."""
    ok = target.startswith("/") and not target.startswith(("//", "/\\"))
    return target if ok and "\n" not in target and "\r" not in target else "/"


@router.get("/login")
def login_form(request: Request, next: str = Query(default="/", max_length=2000)) -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str, Form(max_length=500)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    row = repo.token_for_secret(session, token.strip()) if token.strip() else None
    if row is None or row.role not in PAGE_ROLES:
        status = 401 if row is None else 403
        error = (
            "That token is not valid."
            if row is None
            else "Candidate tokens cannot sign in here: use an admin or reviewer token."
        )
        context = {"next": _safe_next(next), "error": error}
        return render(request, "login.html", context, status)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_cookie_value(settings, row),
        max_age=SESSION_MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=settings.public_url.startswith("https://"),
    )
    repo.audit(session, f"token:{row.id}", "pages.login")
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax")
    return response


# -- dashboard -----------------------------------------------------------------------------
@router.get("/")
def dashboard(
    request: Request,
    user: PageReviewer,
    session: SessionDep,
    sort: str = Query(default="submitted", max_length=120),
    order: str = Query(default="desc", pattern="^(asc|desc)$"),
) -> Response:
    context = {"user": user, "boards": boards(session, sort, order), "sort": sort, "order": order}
    return render(request, "dashboard.html", context)


@router.get("/dashboard.json")
def dashboard_poll(_user: PollReviewer, session: SessionDep) -> dict[str, Any]:
    """What the dashboard refreshes: each shown submission's status and scores."""
    shown = [row for board in boards(session) for row in board.rows]
    return {
        "latest": [row.submission for row in shown],
        "submissions": {
            row.submission: {"status": row.status, "overall": row.overall, "skills": row.skills}
            for row in shown
        },
    }


@router.get("/challenges/{challenge_id}/results.csv")
def results_download(challenge_id: str, _user: PageReviewer, session: SessionDep) -> Response:
    """The same CSV as /api/challenges/{id}/results.csv, for a signed-in reviewer."""
    known_challenge(session, challenge_id)
    results = challenge_results(session, challenge_id)
    return Response(
        results_csv(skill_names(session, challenge_id, results), results),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{challenge_id}-results.csv"'},
    )


@router.get("/submissions/{submission_id}")
def report_page(
    request: Request,
    submission_id: str,
    user: PageReviewer,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    row = repo.get_submission(session, submission_id)
    if row is None:
        return page_error(request, 404, "There is no such submission.", user)
    found = similar(session, row)
    context = {
        "user": user,
        **report_context(session, settings, row),
        "similar": found,
        "floor": FLOOR,
    }
    return render(request, "report.html", context)


@router.get("/submissions/{submission_id}/similar/{other}")
def similar_page(
    request: Request,
    submission_id: str,
    other: str,
    user: PageReviewer,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    row = repo.get_submission(session, submission_id)
    if row is None:
        return page_error(request, 404, "There is no such submission.", user)
    found = similar(session, row)
    pair = found.pair(other)
    if pair is None:
        return page_error(request, 404, "These two were not found similar.", user)
    fragments, notes = side_by_side(session, settings, row, pair)
    context = {
        "user": user,
        "submission": row,
        "challenge": repo.get_challenge(session, row.challenge_id),
        "pair": pair,
        "threshold": found.threshold,
        "fragments": fragments,
        "notes": notes,
    }
    return render(request, "similar.html", context)


# -- comparison ----------------------------------------------------------------------------
@router.get("/challenges/{challenge_id}/compare")
def compare_page(
    request: Request,
    challenge_id: str,
    user: PageReviewer,
    session: SessionDep,
    ids: Annotated[list[str], Query(max_length=2000)] = [],  # noqa: B006 (FastAPI copies it)
) -> Response:
    challenge = repo.get_challenge(session, challenge_id)
    if challenge is None:
        return page_error(request, 404, "There is no such challenge.", user)
    columns = compare_columns(session, challenge_id, requested_ids(ids))
    if isinstance(columns, str):
        return page_error(request, 400, columns, user)
    context = {
        "user": user,
        "challenge": challenge,
        "columns": columns,
        "skills": compared_skills(session, challenge_id, columns),
        "tests": test_rows(columns),
    }
    return render(request, "compare.html", context)


# -- operations ----------------------------------------------------------------------------
@router.get("/operations")
def operations_page(
    request: Request, user: PageReviewer, session: SessionDep, settings: SettingsDep
) -> Response:
    if user.role != Role.ADMIN:
        return page_error(request, 403, "Only an admin may see the operations page.", user)
    context = {"user": user, "ops": operations_view(session, settings)}
    return render(request, "operations.html", context)
