"""The reviewer pages: server-rendered HTML for admins and reviewers, signed in by cookie.

/login takes an admin or reviewer API token and sets a signed session cookie
(candidate tokens are refused). / is the dashboard: each challenge with its
candidates' latest submissions, sortable by query parameter, statuses kept
fresh by polling /dashboard.json. /submissions/{id} is a report: a skill chart
(SVG drawn by the template), the tests, the git history as a timeline with each
finding on its commit, and the test run's output. /challenges/{id}/compare
puts several submissions side by side. Everything a candidate wrote (test
output, messages, commit subjects) is escaped by Jinja's autoescaping, and the
pages' only script is inline under a per-response CSP nonce.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

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
from api.routes.exports import (
    Result,
    challenge_results,
    known_challenge,
    results_csv,
    skill_names,
    utc,
)
from grader.store import repo
from grader.store.models import ChallengeRow, SubmissionRow

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
STATUS_ORDER = {"running": 0, "queued": 1, "error": 2, "tampered": 3, "graded": 4}
MAX_COMPARED = 8
NONE = "\u2013"  # an en dash, for a value there is not
COLORS = ("#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626")
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


def _when(moment: Any) -> str:
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return str(moment)
    if not isinstance(moment, datetime):
        return NONE
    return utc(moment).strftime("%Y-%m-%d %H:%M UTC")


templates.env.filters.update(
    score=_score,
    duration=_duration,
    when=_when,
    short=lambda sha: (sha or NONE)[:10],
    noansi=lambda text: ANSI.sub("", text or ""),
)


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
@dataclass
class Board:
    challenge: ChallengeRow
    skills: list[str]
    rows: list[Result]
    submissions: int


def latest_per_candidate(results: list[Result]) -> list[Result]:
    """The newest submission of each candidate (or, without one, of each repository)."""
    seen: dict[str, Result] = {}
    for result in results:  # newest first
        seen.setdefault(result.candidate or f"repo:{result.repo}", result)
    return list(seen.values())


def sort_rows(rows: list[Result], sort: str, order: str) -> list[Result]:
    def key(r: Result) -> Any:
        if sort == "candidate":
            return (r.candidate or r.repo).lower()
        if sort == "status":
            return STATUS_ORDER.get(r.status, 9)
        if sort == "overall":
            return r.overall
        if sort.startswith("skill:"):
            return r.skills.get(sort.removeprefix("skill:"))
        return r.submitted_at

    known = [r for r in rows if key(r) is not None]
    unknown = [r for r in rows if key(r) is None]  # always last, whatever the order
    return sorted(known, key=key, reverse=order == "desc") + unknown


def boards(session: Session, sort: str = "submitted", order: str = "desc") -> list[Board]:
    out = []
    for challenge in repo.list_challenges(session):
        results = challenge_results(session, challenge.id)
        rows = sort_rows(latest_per_candidate(results), sort, order)
        skills = skill_names(session, challenge.id, results)
        out.append(Board(challenge, skills, rows, len(results)))
    return out


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


# -- a report ------------------------------------------------------------------------------
@dataclass
class TimelineCommit:
    sha: str
    subject: str | None = None
    pushed_at: datetime | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def effect(self) -> float:
        return round(sum(_effect(f) for f in self.findings), 1)


def _effect(finding: dict[str, Any]) -> float:
    value = finding.get("effect")
    return float(value) if isinstance(value, int | float) else 0.0


def _subject(sha: str, message: str) -> str | None:
    """A commit's subject, as the history findings quote it: <sha10> "subject"."""
    found = re.search(re.escape(sha[:10]) + r' "(.+?)"(?=[:;,.)]|\s|$)', message)
    return found.group(1) if found else None


def timeline(
    report: dict[str, Any], pushed: dict[str, datetime]
) -> tuple[list[dict[str, Any]], list[TimelineCommit]]:
    """The version-control findings: those about the whole history, and per commit.

    Commits are in the order they reached this server when they were pushed
    here, else in the order the findings name them (oldest first for most rules).
    """
    vc = (report.get("skills") or {}).get("version_control") or {}
    general: list[dict[str, Any]] = []
    commits: dict[str, TimelineCommit] = {}
    for finding in vc.get("findings") or []:
        sha = finding.get("commit")
        if not isinstance(sha, str) or not sha:
            general.append(finding)
            continue
        entry = commits.setdefault(sha, TimelineCommit(sha, pushed_at=pushed.get(sha)))
        entry.findings.append(finding)
        entry.subject = entry.subject or _subject(sha, str(finding.get("message", "")))
    ordered = list(commits.values())
    if ordered and all(c.pushed_at for c in ordered):
        ordered.sort(key=lambda c: utc(c.pushed_at) if c.pushed_at else datetime.min)
    return general, ordered


def chart_skills(report: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, skill in (report.get("skills") or {}).items():
        if not isinstance(skill, dict):
            continue
        detail = (
            f"{skill.get('passed')}/{skill.get('total')} tests"
            if skill.get("total") is not None
            else f"{len(skill.get('findings') or [])} findings"
        )
        score = skill.get("score") if isinstance(skill.get("score"), int | float) else 0.0
        out.append({"name": name, "score": score, "weight": skill.get("weight"), "detail": detail})
    return out


def outcome_counts(tests: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for test in tests:
        counts[str(test.get("outcome"))] = counts.get(str(test.get("outcome")), 0) + 1
    return counts


def report_context(session: Session, row: SubmissionRow) -> dict[str, Any]:
    found = repo.report_of(session, row.id)
    report: dict[str, Any] = found.report if found else {}
    pushed = repo.push_times(session, row.invitation_id) if row.invitation_id else {}
    general, commits = timeline(report, pushed)
    tests = [t for t in report.get("tests") or [] if isinstance(t, dict)]
    return {
        "submission": row,
        "challenge": repo.get_challenge(session, row.challenge_id),
        "report": report,
        "skills": chart_skills(report),
        "tests": tests,
        "counts": outcome_counts(tests),
        "general": general,
        "commits": commits,
        "events": repo.events_of(session, row.id),
        "active": row.status in repo.ACTIVE,
    }


@router.get("/submissions/{submission_id}")
def report_page(
    request: Request, submission_id: str, user: PageReviewer, session: SessionDep
) -> Response:
    row = repo.get_submission(session, submission_id)
    if row is None:
        return page_error(request, 404, "There is no such submission.", user)
    return render(request, "report.html", {"user": user, **report_context(session, row)})


# -- comparison ----------------------------------------------------------------------------
@dataclass
class Column:
    row: SubmissionRow
    report: dict[str, Any]
    color: str

    @property
    def label(self) -> str:
        return self.row.candidate_email or f"{self.row.repo.rsplit('/', 1)[-1]} ({self.row.id[:8]})"

    def skill(self, name: str) -> dict[str, Any]:
        found = (self.report.get("skills") or {}).get(name)
        return found if isinstance(found, dict) else {}

    def outcome(self, test_id: str) -> str | None:
        for test in self.report.get("tests") or []:
            if isinstance(test, dict) and test.get("id") == test_id:
                return str(test.get("outcome"))
        return None


def requested_ids(values: list[str]) -> list[str]:
    """ids=a,b,c or ids=a&ids=b, in order, without repeats."""
    ids: list[str] = []
    for value in values:
        for part in (p.strip() for p in value.split(",")):
            if part and part not in ids:
                ids.append(part)
    return ids


def compare_columns(session: Session, challenge_id: str, ids: list[str]) -> list[Column] | str:
    """The compared submissions, or why they cannot be compared."""
    if not ids:
        return "Choose the submissions to compare (ids=a,b,c)."
    if len(ids) > MAX_COMPARED:
        return f"At most {MAX_COMPARED} submissions can be compared at once."
    columns = []
    for index, submission_id in enumerate(ids):
        row = repo.get_submission(session, submission_id)
        if row is None or row.challenge_id != challenge_id:
            return f"There is no submission {submission_id!r} for this challenge."
        found = repo.report_of(session, submission_id)
        columns.append(Column(row, found.report if found else {}, COLORS[index % len(COLORS)]))
    return columns


def compared_skills(session: Session, challenge_id: str, columns: list[Column]) -> list[str]:
    """The challenge's skills in manifest order, then any other a compared report has."""
    names = skill_names(session, challenge_id, [])
    for column in columns:
        names += [name for name in column.report.get("skills") or {} if name not in names]
    return names


def test_rows(columns: list[Column]) -> list[dict[str, Any]]:
    """Every test any compared report ran, with its outcome in each."""
    seen: dict[str, str] = {}
    for column in columns:
        for test in column.report.get("tests") or []:
            if isinstance(test, dict) and isinstance(test.get("id"), str):
                seen.setdefault(test["id"], str(test.get("skill", "")))
    return [
        {"id": test_id, "skill": skill, "outcomes": [c.outcome(test_id) for c in columns]}
        for test_id, skill in seen.items()
    ]


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
