"""Data out: a challenge's results as CSV or JSON, and the outgoing webhook deliveries.

A result row is one submission: its candidate, status, overall score, the score
of each skill (from its report), the graded commit and when it was graded
(grader/store/results.py reads them; the reviewer pages read the same rows).
Under blind review a reviewer gets the candidate's pseudonym and no repository
(api/identity.py).
"""

from __future__ import annotations

import csv
import io
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Response
from sqlalchemy.orm import Session

from api.deps import Admin, SessionDep, SettingsDep, Staff
from api.identity import Identities
from api.schemas import DeliveryOut, ResultOut, ResultsOut
from grader.store import deliveries, repo
from grader.store.results import Result, challenge_results, skill_names
from grader.timestamps import rfc3339, utc

router = APIRouter(tags=["exports"])
FIXED_COLUMNS = ("submission", "candidate", "repo", "status", "overall")
TRAILING_COLUMNS = ("commit", "submitted_at", "graded_at")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# -- the rows ------------------------------------------------------------------------------
def known_challenge(session: Session, challenge_id: str) -> None:
    if repo.get_challenge(session, challenge_id) is None:
        raise HTTPException(404, f"no such challenge {challenge_id!r}")


# -- CSV -----------------------------------------------------------------------------------
def results_csv(skills: list[str], results: list[Result]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*FIXED_COLUMNS, *skills, *TRAILING_COLUMNS])
    for r in results:
        writer.writerow(
            [
                r.submission,
                _cell(r.candidate),
                _cell(r.repo),
                r.status,
                _number(r.overall),
                *(_number(r.skills.get(name)) for name in skills),
                r.commit or "",
                rfc3339(r.submitted_at),
                rfc3339(r.graded_at) if r.graded_at else "",
            ]
        )
    return out.getvalue()


def _cell(text: str | None) -> str:
    """Text a spreadsheet must not run as a formula (CSV injection)."""
    if not text:
        return ""
    return "'" + text if text.startswith(FORMULA_START) else text


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


# -- routes --------------------------------------------------------------------------------
@router.get(
    "/api/challenges/{challenge_id}/results.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "one row per submission"}},
)
def export_csv(
    challenge_id: str, token: Staff, session: SessionDep, settings: SettingsDep
) -> Response:
    """A challenge's results as CSV: one row per submission, a column per skill."""
    known_challenge(session, challenge_id)
    ids = Identities(session, settings, token)
    results = ids.results(challenge_id, challenge_results(session, challenge_id))
    body = results_csv(skill_names(session, challenge_id, results), results)
    filename = f"{challenge_id}-results.csv".encode("ascii", "replace").decode()
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/api/challenges/{challenge_id}/results.json", response_model=ResultsOut)
def export_json(
    challenge_id: str, token: Staff, session: SessionDep, settings: SettingsDep
) -> ResultsOut:
    """A challenge's results as JSON: one entry per submission, newest first."""
    known_challenge(session, challenge_id)
    ids = Identities(session, settings, token)
    results = challenge_results(session, challenge_id)
    shown = [ids.result(challenge_id, r) for r in results]
    return ResultsOut(
        challenge=challenge_id,
        skills=skill_names(session, challenge_id, results),
        results=[ResultOut(**r.__dict__, blinded=blinded) for r, blinded in shown],
    )


@router.get(
    "/api/webhook-deliveries", response_model=list[DeliveryOut], tags=["webhook deliveries"]
)
def list_webhook_deliveries(
    _token: Admin,
    session: SessionDep,
    status: Literal["pending", "delivered", "failed"] | None = None,
    submission: str | None = Query(default=None, max_length=36),
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[DeliveryOut]:
    """Outgoing notifications of completed gradings, newest first (admin only)."""
    rows = deliveries.list_deliveries(session, status=status, submission_id=submission, limit=limit)
    return [
        DeliveryOut(
            id=r.id,
            submission=r.submission_id,
            url=r.url,
            status=r.status,
            attempts=r.attempts,
            last_error=r.last_error,
            response_code=r.response_code,
            next_attempt_at=utc(r.next_attempt_at) if r.next_attempt_at else None,
            created_at=utc(r.created_at),
        )
        for r in rows
    ]
