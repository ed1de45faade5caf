"""Reviewers decide and comment: decisions on a submission or a candidate, comments on a report.

The API (bearer tokens, admins and reviewers; candidate tokens get 403):

- ``POST/GET /api/submissions/{id}/decisions``: decide about one submission, or
  read its current decision and history;
- ``POST/GET /api/invitations/{id}/decisions``: the same about a candidate (their
  invitation: one candidate, one challenge), pushed or not;
- ``POST/GET /api/submissions/{id}/comments``: a comment on a test, a finding or a
  commit of the submission's report (422 naming the problem when the report has
  no such thing).

The report page's forms post to ``/submissions/{id}/decisions`` and
``/submissions/{id}/comments`` (signed-in session cookie, SameSite=Lax, so no
other site can post them) and are sent back to the report's review block.

A decision is recorded, audited and its ``decision.recorded`` webhook delivery
created in one transaction; the delivery's first attempt runs once that
transaction committed, after the response (grader/notify.py retries it).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.deps import PageReviewer, SessionDep, SettingsDep, Staff
from api.review import target_problem
from api.review_schemas import (
    MAX_COMMENT,
    MAX_NOTES,
    CommentIn,
    CommentOut,
    CommentTargetIn,
    DecisionIn,
    DecisionOut,
    DecisionsOut,
)
from api.routes.pages import page_error
from grader import notify
from grader.config import Settings
from grader.store import decisions, hosted, repo
from grader.store.decisions import Subject
from grader.store.models import CommentRow, DecisionRow, SubmissionRow, TokenRow

router = APIRouter(tags=["decisions"])


# -- shared steps --------------------------------------------------------------------------
def _submission(session: Session, submission_id: str) -> SubmissionRow:
    row = repo.get_submission(session, submission_id)
    if row is None:
        raise HTTPException(404, f"no such submission {submission_id!r}")
    return row


def _invitation_subject(session: Session, invitation_id: str) -> Subject:
    row = hosted.get_invitation(session, invitation_id)
    if row is None:
        raise HTTPException(404, f"no such invitation {invitation_id!r}")
    return Subject.of_invitation(row)


def _decide(
    session: Session,
    settings: Settings,
    background: BackgroundTasks,
    subject: Subject,
    body: DecisionIn,
    token: TokenRow,
) -> DecisionRow:
    row = decisions.record_decision(session, subject, body.decision, body.notes, token)
    delivery = notify.queue_decision(session, settings, row)
    session.commit()  # before the answer: the next page and the delivery must find it
    if delivery is not None:
        background.add_task(notify.deliver, settings, delivery)
    return row


def _comment(session: Session, row: SubmissionRow, body: CommentIn, token: TokenRow) -> CommentRow:
    found = repo.report_of(session, row.id)
    problem = target_problem(found.report if found else None, body.target.kind, body.target.id)
    if problem:
        raise HTTPException(422, problem)
    created = decisions.add_comment(
        session, row, body.target.kind, body.target.id, body.body, token
    )
    # Committed before the answer leaves: the session dependency's own commit runs after
    # the response is sent, and the page a redirect leads to must show the comment.
    session.commit()
    return created


def _decisions_out(rows: list[DecisionRow]) -> DecisionsOut:
    history = [DecisionOut.of(row) for row in rows]
    return DecisionsOut(current=history[0] if history else None, history=history)


# -- the API -------------------------------------------------------------------------------
@router.post(
    "/api/submissions/{submission_id}/decisions", status_code=201, response_model=DecisionOut
)
def decide_submission(
    submission_id: str,
    body: DecisionIn,
    token: Staff,
    session: SessionDep,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> DecisionOut:
    """Record a decision about one submission; it becomes its current decision."""
    subject = Subject.of_submission(_submission(session, submission_id))
    return DecisionOut.of(_decide(session, settings, background, subject, body, token))


@router.get("/api/submissions/{submission_id}/decisions", response_model=DecisionsOut)
def submission_decisions(submission_id: str, _token: Staff, session: SessionDep) -> DecisionsOut:
    """A submission's current decision and every earlier one, newest first."""
    subject = Subject.of_submission(_submission(session, submission_id))
    return _decisions_out(decisions.history(session, subject))


@router.post(
    "/api/invitations/{invitation_id}/decisions", status_code=201, response_model=DecisionOut
)
def decide_candidate(
    invitation_id: str,
    body: DecisionIn,
    token: Staff,
    session: SessionDep,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> DecisionOut:
    """Record a decision about a candidate (their invitation), whether they pushed or not."""
    subject = _invitation_subject(session, invitation_id)
    return DecisionOut.of(_decide(session, settings, background, subject, body, token))


@router.get("/api/invitations/{invitation_id}/decisions", response_model=DecisionsOut)
def candidate_decisions(invitation_id: str, _token: Staff, session: SessionDep) -> DecisionsOut:
    """A candidate's current decision and every earlier one, newest first."""
    return _decisions_out(decisions.history(session, _invitation_subject(session, invitation_id)))


@router.post(
    "/api/submissions/{submission_id}/comments", status_code=201, response_model=CommentOut
)
def add_comment(
    submission_id: str, body: CommentIn, token: Staff, session: SessionDep
) -> CommentOut:
    """Comment on a test, a finding or a commit of the submission's report."""
    row = _submission(session, submission_id)
    return CommentOut.of(_comment(session, row, body, token))


@router.get("/api/submissions/{submission_id}/comments", response_model=list[CommentOut])
def list_comments(submission_id: str, _token: Staff, session: SessionDep) -> list[CommentOut]:
    """A submission's comments, oldest first."""
    row = _submission(session, submission_id)
    return [CommentOut.of(c) for c in decisions.comments_of(session, row.id)]


# -- the report page's forms ---------------------------------------------------------------
def _back(submission_id: str, anchor: str) -> Response:
    return RedirectResponse(f"/submissions/{submission_id}#{anchor}", status_code=303)


@router.post("/submissions/{submission_id}/decisions", include_in_schema=False)
def decide_from_page(
    request: Request,
    submission_id: str,
    user: PageReviewer,
    session: SessionDep,
    settings: SettingsDep,
    background: BackgroundTasks,
    decision: Annotated[str, Form(max_length=20)] = "",
    notes: Annotated[str, Form(max_length=MAX_NOTES)] = "",
    scope: Annotated[str, Form(max_length=20)] = "submission",
) -> Response:
    row = repo.get_submission(session, submission_id)
    if row is None:
        return page_error(request, 404, "There is no such submission.", user)
    try:
        body = DecisionIn(decision=decision, notes=notes)  # type: ignore[arg-type]
    except ValidationError:
        message = "Choose a decision: advance, hold or reject."
        return page_error(request, 422, message, user)
    subject = Subject.of_submission(row)
    if scope == "candidate":
        if row.invitation_id is None:
            message = "This submission has no invitation: decide about the submission instead."
            return page_error(request, 422, message, user)
        subject = Subject(row.challenge_id, invitation_id=row.invitation_id)
    _decide(session, settings, background, subject, body, user)
    return _back(submission_id, "review")


@router.post("/submissions/{submission_id}/comments", include_in_schema=False)
def comment_from_page(
    request: Request,
    submission_id: str,
    user: PageReviewer,
    session: SessionDep,
    target: Annotated[str, Form(max_length=400)] = "",
    body: Annotated[str, Form(max_length=MAX_COMMENT)] = "",
) -> Response:
    row = repo.get_submission(session, submission_id)
    if row is None:
        return page_error(request, 404, "There is no such submission.", user)
    kind, _, target_id = target.partition(":")
    try:
        comment = CommentIn(target=CommentTargetIn(kind=kind, id=target_id), body=body)  # type: ignore[arg-type]
    except ValidationError:
        message = "A comment needs some text and a test, finding or commit it is about."
        return page_error(request, 422, message, user)
    try:
        created = _comment(session, row, comment, user)
    except HTTPException as exc:
        return page_error(request, 422, f"{str(exc.detail).capitalize()}.", user)
    return _back(submission_id, f"comment-{created.id}")
