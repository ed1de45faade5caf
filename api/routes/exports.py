"""Data out: a challenge's results as CSV or JSON, and the outgoing webhook deliveries.

A result row is one submission: its candidate, status, overall score, the score
of each skill (from its report), the graded commit and when it was graded
(grader/store/results.py reads them; the reviewer pages read the same rows),
then the reviewers' decisions: the submission's current decision and its
candidate's (grader/store/decisions.py), each with who decided, when and the notes.
Under blind review a reviewer gets the candidate's pseudonym and no repository
(api/identity.py): decisions are looked up by the real identity, then the row is
shown as the viewer may see it.
"""

from __future__ import annotations

import csv
import io
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Response
from sqlalchemy.orm import Session

from api.deps import Admin, SessionDep, SettingsDep, Staff
from api.identity import Identities
from api.review_schemas import DecidedResultOut, DecidedResultsOut, DecisionOut
from api.schemas import DeliveryOut
from grader.store import decisions, deliveries, repo
from grader.store.decisions import Current
from grader.store.models import DecisionRow
from grader.store.results import Result, challenge_results, skill_names
from grader.timestamps import rfc3339, utc

router = APIRouter(tags=["exports"])
FIXED_COLUMNS = ("submission", "candidate", "repo", "status", "overall")
TRAILING_COLUMNS = ("commit", "submitted_at", "graded_at")
DECISION_COLUMNS = ("decision", "decided_by", "decided_at", "decision_notes")
CANDIDATE_COLUMNS = tuple(f"candidate_{name}" for name in DECISION_COLUMNS)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# -- the rows ------------------------------------------------------------------------------
def known_challenge(session: Session, challenge_id: str) -> None:
    if repo.get_challenge(session, challenge_id) is None:
        raise HTTPException(404, f"no such challenge {challenge_id!r}")


# -- CSV -----------------------------------------------------------------------------------
def results_csv(
    skills: list[str], results: list[Result], decided: Current, shown: list[Result]
) -> str:
    """One row per result, as ``shown`` (the same results, as the viewer may see them),
    with the decisions looked up by the real identity."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [*FIXED_COLUMNS, *skills, *TRAILING_COLUMNS, *DECISION_COLUMNS, *CANDIDATE_COLUMNS]
    )
    writer.writerows(
        _row(skills, s, decided.of_submission(r.submission), decided.of_candidate(r.candidate))
        for r, s in zip(results, shown, strict=True)
    )
    return out.getvalue()


def _row(
    skills: list[str], r: Result, decision: DecisionRow | None, candidate: DecisionRow | None
) -> list[str]:
    return [
        r.submission,
        _cell(r.candidate),
        _cell(r.repo),
        r.status,
        _number(r.overall),
        *(_number(r.skills.get(name)) for name in skills),
        r.commit or "",
        rfc3339(r.submitted_at),
        rfc3339(r.graded_at) if r.graded_at else "",
        *_decision_cells(decision),
        *_decision_cells(candidate),
    ]


def _decision_cells(row: DecisionRow | None) -> list[str]:
    if row is None:
        return ["", "", "", ""]
    return [row.verdict, _cell(row.actor), rfc3339(row.created_at), _cell(row.notes)]


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
    results = challenge_results(session, challenge_id)
    decided = decisions.current_decisions(session, challenge_id)
    skills = skill_names(session, challenge_id, results)
    body = results_csv(skills, results, decided, ids.results(challenge_id, results))
    filename = f"{challenge_id}-results.csv".encode("ascii", "replace").decode()
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/api/challenges/{challenge_id}/results.json", response_model=DecidedResultsOut)
def export_json(
    challenge_id: str, token: Staff, session: SessionDep, settings: SettingsDep
) -> DecidedResultsOut:
    """A challenge's results as JSON: one entry per submission, newest first, with the
    submission's and its candidate's current decisions."""
    known_challenge(session, challenge_id)
    return results_json(session, challenge_id, Identities(session, settings, token))


def results_json(session: Session, challenge_id: str, ids: Identities) -> DecidedResultsOut:
    results = challenge_results(session, challenge_id)
    decided = decisions.current_decisions(session, challenge_id)
    out = []
    for raw in results:
        shown, blinded = ids.result(challenge_id, raw)
        out.append(
            DecidedResultOut(
                **shown.__dict__,
                blinded=blinded,
                decision=_decision_out(decided.of_submission(raw.submission)),
                candidate_decision=_decision_out(decided.of_candidate(raw.candidate)),
            )
        )
    return DecidedResultsOut(
        challenge=challenge_id,
        skills=skill_names(session, challenge_id, results),
        results=out,
    )


def _decision_out(row: DecisionRow | None) -> DecisionOut | None:
    return DecisionOut.of(row) if row else None


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
    """Outgoing notifications (completed gradings, decisions), newest first (admin only)."""
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
            event=r.event,
            decision=r.decision_id,
        )
        for r in rows
    ]
