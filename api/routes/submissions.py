"""Submissions: queue a grading, read its status and its report, list them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy.orm import Session

from api.candidate_schemas import feedback_out
from api.deps import AnyRole, SessionDep, SettingsDep, Staff, Submitter
from api.identity import Identities
from api.schemas import (
    SimilarFragment,
    SimilarMatch,
    SimilarOut,
    SimilarSpan,
    StatusEvent,
    SubmissionCreated,
    SubmissionIn,
    SubmissionOut,
    SubmissionSummary,
)
from grader import announce, candidate_feedback, submissions
from grader.closest import PairView, similar
from grader.config import Settings
from grader.hosting import gate, repositories
from grader.store import hosted, repo
from grader.store.models import Role, SubmissionRow, TokenRow

router = APIRouter(prefix="/api/submissions", tags=["submissions"])


def _may_read(token: TokenRow, row: SubmissionRow) -> bool:
    if token.role in (Role.ADMIN, Role.REVIEWER):
        return True
    return token.candidate_email is not None and token.candidate_email == row.candidate_email


def _own_repository(
    session: Session, settings: Settings, token: TokenRow, body: SubmissionIn
) -> tuple[str, bool]:
    """The invitation whose repository this candidate may submit now, and whether the
    submission is late; or 403. The invitation's window applies as it does to a push:
    a token is no way around the deadline, nor to another challenge's suite."""
    invitation = hosted.invitation_of_token(session, token.id)
    if invitation is None:
        raise HTTPException(403, "this candidate token has no invitation")
    if body.challenge != invitation.challenge_id:
        raise HTTPException(
            403, f"a candidate may only submit to their invitation's {invitation.challenge_id}"
        )
    repo_url = body.repo
    base = settings.public_url.rstrip("/")
    allowed = {
        invitation.external_repo,
        f"{base}/git/{invitation.id}.git",
        f"{base}/git/{invitation.id}",
    }
    if repo_url not in allowed:
        raise HTTPException(403, "a candidate may only submit their own repository")
    verdict = gate.webhook_verdict(invitation)
    if verdict.refusal is not None:
        raise HTTPException(403, verdict.refusal)
    return invitation.id, verdict.late


@router.post("", status_code=202, response_model=SubmissionCreated)
def create_submission(
    body: SubmissionIn, token: Submitter, session: SessionDep, settings: SettingsDep
) -> SubmissionCreated:
    """Queue a grading of `repo` at `ref` against a challenge the server knows."""
    # A URL the worker would refuse is refused now (400), before any row exists.
    repositories.check_submission_url(settings, body.repo)
    invitation_id, candidate, late = None, None, False
    if token.role == Role.CANDIDATE:
        invitation_id, late = _own_repository(session, settings, token, body)
        candidate = token.candidate_email
    row = submissions.create(
        session,
        challenge_id=body.challenge,
        repo_url=body.repo,
        ref=body.ref,
        candidate_email=candidate,
        invitation_id=invitation_id,
        submitted_by=token.id,
    )
    row.late = late  # after the deadline, accepted: graded, but not the one that counts
    repo.audit(session, f"token:{token.id}", "submission.create", row.id)
    # A candidate's own repository counts against their gradings limit however it comes.
    if candidate_feedback.hold_if_over_limit(session, row) is None:
        submissions.queue_after_commit(session, settings, row)
    return SubmissionCreated(id=row.id, status=row.status)


@router.get("", response_model=list[SubmissionSummary])
def list_submissions(
    token: Staff,
    session: SessionDep,
    settings: SettingsDep,
    challenge: str | None = Query(default=None, max_length=100),
    candidate: str | None = Query(default=None, max_length=320),
) -> list[SubmissionSummary]:
    """Submissions, newest first; both filters optional. Under blind review a reviewer's
    `candidate` filter matches the pseudonym only: an email would confirm a guess."""
    ids = Identities(session, settings, token)
    email = candidate if candidate and "@" in candidate else None  # a pseudonym has none
    rows = repo.list_submissions(session, challenge_id=challenge, candidate_email=email)
    shown = [(r, ids.submission(r)) for r in rows]
    if candidate:
        shown = [(r, who) for r, who in shown if who.name == candidate or who.email == candidate]
    return [
        SubmissionSummary(
            id=r.id,
            challenge=r.challenge_id,
            candidate=who.name if who.blinded else r.candidate_email,
            blinded=who.blinded,
            status=r.status,
            overall=r.overall,
            commit=r.commit,
            created_at=r.created_at,
        )
        for r, who in shown
    ]


WaitQuery = Annotated[
    float,
    Query(
        ge=0,
        le=announce.MAX_WAIT_S,
        description="seconds to wait for a final status before answering (long polling); "
        "the answer comes as soon as the grading is stored",
    ),
]


def _wait_for_final(
    session: Session, settings: Settings, submission_id: str, wait_s: float
) -> None:
    if wait_s > 0:
        session.commit()  # end this request's transaction: the wait reads fresh ones
        submissions.wait_until_final(settings, submission_id, wait_s)
        session.expire_all()


@router.get("/{submission_id}", response_model=SubmissionOut)
def get_submission(
    submission_id: str,
    token: AnyRole,
    session: SessionDep,
    settings: SettingsDep,
    wait: WaitQuery = 0,
) -> SubmissionOut:
    """A submission's status (queued, running, graded, tampered, error, held) and its
    history. With `wait`, answers once the status is final or after that many seconds.
    A candidate gets their own submission as the challenge's feedback policy allows
    (`feedback`; no `history`, no `error`)."""
    row = repo.get_submission(session, submission_id)
    if row is None or not _may_read(token, row):
        raise HTTPException(404, "no such submission")
    _wait_for_final(session, settings, submission_id, wait)
    row = repo.get_submission(session, submission_id)
    if row is None:  # erased while we waited (grader/erasure.py)
        raise HTTPException(404, "no such submission")
    if token.role == Role.CANDIDATE:
        return _as_candidate(session, row)
    who = Identities(session, settings, token).submission(row)
    history = [
        StatusEvent(status=e.status, at=e.at, detail=who.text(e.detail) or "")
        for e in repo.events_of(session, submission_id)
    ]
    return SubmissionOut(
        id=row.id,
        challenge=row.challenge_id,
        candidate=who.name if who.blinded else row.candidate_email,
        blinded=who.blinded,
        repo=who.repo,
        ref=row.ref,
        commit=row.commit,
        status=row.status,
        overall=row.overall,
        created_at=row.created_at,
        updated_at=row.updated_at,
        error=who.text(row.error),
        history=history,
    )


def _as_candidate(session: Session, row: SubmissionRow) -> SubmissionOut:
    """A submission as its candidate sees it: everything graded goes through the policy."""
    view = candidate_feedback.view_of(session, row)
    return SubmissionOut(
        id=row.id,
        challenge=row.challenge_id,
        candidate=row.candidate_email,
        repo=row.repo,
        ref=row.ref,
        commit=row.commit,
        status=view.status,
        overall=view.overall,
        created_at=row.created_at,
        updated_at=row.updated_at,
        feedback=feedback_out(view),
    )


@router.post("/{submission_id}/grade", status_code=202, response_model=SubmissionCreated)
def grade_held(
    submission_id: str, token: Staff, session: SessionDep, settings: SettingsDep
) -> SubmissionCreated:
    """Grade a submission held past its candidate's gradings limit (`[feedback]
    max_gradings`): it is queued like any other. 409 if it is not held. Audited."""
    row = repo.get_submission(session, submission_id)
    if row is None:
        raise HTTPException(404, "no such submission")
    if not candidate_feedback.release(session, row, f"token:{token.id}"):
        raise HTTPException(409, f"submission {submission_id} is {row.status}, not held")
    submissions.queue_after_commit(session, settings, row)
    return SubmissionCreated(id=row.id, status=row.status)


@router.get("/{submission_id}/report")
def get_report(
    submission_id: str,
    token: Staff,
    session: SessionDep,
    settings: SettingsDep,
    wait: WaitQuery = 0,
) -> dict[str, Any]:
    """The report (contract §3); 404 until there is one. With `wait`, waits that many
    seconds at most for the grading to end first. Under blind review a reviewer gets it
    masked (the repository hidden, the candidate's name and email replaced)."""
    row = repo.get_submission(session, submission_id)
    if row is None:
        raise HTTPException(404, "no such submission")
    _wait_for_final(session, settings, submission_id, wait)
    row = repo.get_submission(session, submission_id)
    found = repo.report_of(session, submission_id)
    if row is None or found is None:
        raise HTTPException(404, "no report yet")
    masked: dict[str, Any] = (
        Identities(session, settings, token).submission(row, people=True).data(found.report)
    )
    return {**masked, "late": row.late}  # pushed after the deadline, accepted late


@router.get("/{submission_id}/similar", response_model=SimilarOut)
def get_similar(
    submission_id: str, token: Staff, session: SessionDep, settings: SettingsDep
) -> SimilarOut:
    """The other submissions of the challenge closest to this one (and the challenge's
    solution and starter), with the shares both ways and the matched line ranges.
    Evidence for a reviewer: a similarity never changes a score."""
    row = repo.get_submission(session, submission_id)
    if row is None:
        raise HTTPException(404, "no such submission")
    found = similar(session, row, Identities(session, settings, token).label)
    return SimilarOut(
        submission=row.id,
        computed=found.computed,
        threshold=found.threshold,
        submissions=[_match(p) for p in found.submissions],
        references=[_match(p) for p in found.references],
        starter=_match(found.starter) if found.starter else None,
    )


def _match(pair: PairView) -> SimilarMatch:
    return SimilarMatch(
        other=pair.other,
        kind=pair.kind,  # type: ignore[arg-type]
        label=pair.label,
        shared=pair.shared,
        share_this=round(pair.share_this, 4),
        share_other=round(pair.share_other, 4),
        similarity=round(pair.similarity, 4),
        flagged=pair.flagged,
        fragments=[
            SimilarFragment(
                this=SimilarSpan(**vars(f.this)),
                other=SimilarSpan(**vars(f.other)),
                fingerprints=f.fingerprints,
            )
            for f in pair.fragments
        ],
    )
