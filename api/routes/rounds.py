"""The round view: the reviewer pages' home, and its exports for a signed-in reviewer.

/ shows every candidate of each challenge (api/round.py builds it), invited ones
who have not pushed yet too, with their latest scores, the time they have left
and the current decision; filtered (status, decision, a part of the candidate's
email, one challenge) and sorted by query parameters, so it works without
JavaScript; statuses kept fresh by polling /dashboard.json (with the same
filters). Each challenge's results download as CSV and JSON, the same as the
API's exports.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.deps import PageReviewer, PollReviewer, SessionDep, SettingsDep
from api.identity import Identities
from api.presenters import MAX_COMPARED, MIN_COMPARED
from api.review_schemas import DecidedResultsOut
from api.round import INVITED, NO_DECISION, Filters, rounds
from api.routes.exports import known_challenge, results_csv, results_json
from api.routes.pages import render, templates
from grader.store import decisions, repo
from grader.store.models import SubmissionStatus, Verdict
from grader.store.results import challenge_results, skill_names

router = APIRouter(include_in_schema=False)


# -- the round view ------------------------------------------------------------------------
StatusFilter = Literal[
    "", "invited", "queued", "running", "graded", "tampered", "error"
]  # INVITED and SubmissionStatus
DecisionFilter = Literal["", "advance", "hold", "reject", "none"]  # Verdict and NO_DECISION


def _filters(status: str, decision: str, q: str, challenge: str) -> Filters:
    return Filters(status=status, decision=decision, q=q.strip(), challenge=challenge)


def _query(params: dict[str, str], **changes: str) -> str:
    """The round view's query string with some parameters changed (empty ones left out)."""
    merged = {**params, **changes}
    return "?" + urlencode({k: v for k, v in merged.items() if v})


templates.env.globals["query"] = _query


@router.get("/")
def dashboard(
    request: Request,
    user: PageReviewer,
    session: SessionDep,
    settings: SettingsDep,
    sort: str = Query(default="submitted", max_length=120),
    order: str = Query(default="desc", pattern="^(asc|desc)$"),
    status: StatusFilter = "",
    decision: DecisionFilter = "",
    q: str = Query(default="", max_length=200),
    challenge: str = Query(default="", max_length=100),
) -> Response:
    filters = _filters(status, decision, q, challenge)
    params = {"sort": sort, "order": order, "status": status, "decision": decision}
    params |= {"q": filters.q, "challenge": challenge}
    context = {
        "user": user,
        "rounds": rounds(
            session, Identities(session, settings, user), sort, order, filters, datetime.now(UTC)
        ),
        "all_challenges": repo.list_challenges(session),
        "sort": sort,
        "order": order,
        "filters": filters,
        "params": params,
        "statuses": [INVITED, *SubmissionStatus],
        "verdicts": [*Verdict, NO_DECISION],
        "min_compared": MIN_COMPARED,
        "max_compared": MAX_COMPARED,
    }
    return render(request, "dashboard.html", context)


@router.get("/dashboard.json")
def dashboard_poll(
    user: PollReviewer,
    session: SessionDep,
    settings: SettingsDep,
    status: StatusFilter = "",
    decision: DecisionFilter = "",
    q: str = Query(default="", max_length=200),
    challenge: str = Query(default="", max_length=100),
) -> dict[str, Any]:
    """What the round view refreshes: each shown submission's status and scores."""
    filters = _filters(status, decision, q, challenge)
    ids = Identities(session, settings, user)
    shown = [
        e.latest
        for found in rounds(session, ids, "submitted", "desc", filters, datetime.now(UTC))
        for e in found.entries
        if e.latest
    ]
    return {
        "latest": [row.submission for row in shown],
        "submissions": {
            row.submission: {"status": row.status, "overall": row.overall, "skills": row.skills}
            for row in shown
        },
    }


@router.get("/challenges/{challenge_id}/results.csv")
def results_download(
    challenge_id: str, user: PageReviewer, session: SessionDep, settings: SettingsDep
) -> Response:
    """The same CSV as /api/challenges/{id}/results.csv, for a signed-in reviewer."""
    known_challenge(session, challenge_id)
    results = challenge_results(session, challenge_id)
    decided = decisions.current_decisions(session, challenge_id)
    shown = Identities(session, settings, user).results(challenge_id, results)
    return Response(
        results_csv(skill_names(session, challenge_id, results), results, decided, shown),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{challenge_id}-results.csv"'},
    )


@router.get("/challenges/{challenge_id}/results.json")
def results_json_download(
    challenge_id: str, user: PageReviewer, session: SessionDep, settings: SettingsDep
) -> Response:
    """The same JSON as /api/challenges/{id}/results.json, for a signed-in reviewer."""
    known_challenge(session, challenge_id)
    ids = Identities(session, settings, user)
    body: DecidedResultsOut = results_json(session, challenge_id, ids)
    return Response(
        body.model_dump_json(),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{challenge_id}-results.json"'},
    )
