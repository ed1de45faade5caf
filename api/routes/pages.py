"""The reviewer pages: server-rendered HTML for admins and reviewers, signed in by cookie.

/login takes an admin or reviewer API token and sets a signed session cookie
(candidate tokens are refused). / is the round view (api/routes/rounds.py).
/submissions/{id} is a report: a skill chart
(SVG drawn by the template), the tests, the git history as a timeline with each
finding on its commit, the test run's output, the similar submissions, and the
review block (decisions and comments; their forms post to api/routes/decisions.py).
/submissions/{id}/similar/{other} shows the fragments a similar pair shares,
side by side with line numbers. /challenges/{id}/compare puts two to four
submissions side by side (fewer or more: the page says so and offers the
choice again). /operations (admins only) shows the workers,
the queue and the last infrastructure failures. Everything a candidate wrote (test
output, messages, commit subjects) is escaped by Jinja's autoescaping, and the
pages' only script is inline under a per-response CSP nonce. Candidates are
named, and their repositories and reports shown, through api/identity.py (blind
review: a reviewer may see pseudonyms and masked text).
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
    PageReviewer,
    SessionDep,
    SettingsDep,
    session_cookie_value,
)
from api.identity import Identities, Shown
from api.operations import operations_view
from api.presenters import (
    MAX_COMPARED,
    MIN_COMPARED,
    compare_columns,
    compared_skills,
    report_context,
    requested_ids,
    test_rows,
)
from api.review import review_context
from api.round import decide_columns, entries
from api.sessions import clear_session_cookie, set_session_cookie
from api.similar import FragmentSides, Side, side_by_side
from grader.closest import FLOOR, similar
from grader.store import regrades, repo
from grader.store.models import Role
from grader.store.results import same_code_attempt
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
    set_session_cookie(response, SESSION_COOKIE, session_cookie_value(settings, row), settings)
    repo.audit(session, f"token:{row.id}", "pages.login")
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, SESSION_COOKIE)
    return response


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
    ids = Identities(session, settings, user)
    found = similar(session, row, ids.label)
    context = {
        "user": user,
        **report_context(session, settings, ids, row),
        "similar": found,
        "floor": FLOOR,
    }
    context |= review_context(session, row, context["report"])
    tree = ((context["report"] or {}).get("submission") or {}).get("tree")
    context["same_code"] = same_code_attempt(session, row, tree)  # (attempt number, row)
    context["replaced"] = regrades.published_for(session, row.id)  # [(regrade, shadow)]
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
    ids = Identities(session, settings, user)
    found = similar(session, row, ids.label)
    pair = found.pair(other)
    if pair is None:
        return page_error(request, 404, "These two were not found similar.", user)
    fragments, notes = side_by_side(session, settings, row, pair)
    who = ids.submission(row, people=True)
    other_row = repo.get_submission(session, other) if pair.kind == "submission" else None
    theirs = ids.submission(other_row, people=True) if other_row else who
    context = {
        "user": user,
        "submission": row,
        "who": who,
        "challenge": repo.get_challenge(session, row.challenge_id),
        "pair": pair,
        "threshold": found.threshold,
        "fragments": [_masked(f, who, theirs) for f in fragments],
        "notes": [who.text(n) for n in notes],
    }
    return render(request, "similar.html", context)


def _masked(fragment: FragmentSides, mine: Shown, theirs: Shown) -> FragmentSides:
    """The code of both sides with their candidates' names and emails masked (blind review)."""

    def side(s: Side, who: Shown) -> Side:
        lines = None if s.lines is None else [(n, who.text(t) or "") for n, t in s.lines]
        return Side(s.span, lines)

    return FragmentSides(
        side(fragment.this, mine), side(fragment.other, theirs), fragment.fingerprints
    )


# -- comparison ----------------------------------------------------------------------------
@router.get("/challenges/{challenge_id}/compare")
def compare_page(
    request: Request,
    challenge_id: str,
    user: PageReviewer,
    session: SessionDep,
    settings: SettingsDep,
    ids: Annotated[list[str], Query(max_length=2000)] = [],  # noqa: B006 (FastAPI copies it)
) -> Response:
    challenge = repo.get_challenge(session, challenge_id)
    if challenge is None:
        return page_error(request, 404, "There is no such challenge.", user)
    wanted = requested_ids(ids)
    shown = Identities(session, settings, user)
    columns = compare_columns(session, shown, challenge_id, wanted)
    if isinstance(columns, str):
        # Not an error page: the message, and the candidates to tick again.
        found = entries(session, shown, challenge_id, datetime.now(UTC))[0]
        choices = [e for e in found if e.latest]
        context = {"user": user, "challenge": challenge, "problem": columns}
        context |= {"choices": choices, "ticked": wanted}
        context |= {"min_compared": MIN_COMPARED, "max_compared": MAX_COMPARED}
        return render(request, "compare.html", context)
    decide_columns(session, challenge_id, columns)
    context = {
        "user": user,
        "challenge": challenge,
        "columns": columns,
        "skills": compared_skills(session, challenge_id, columns),
        "tests": test_rows(columns),
        "problem": None,
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
