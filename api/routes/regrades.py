"""Regrades: start one, read its diff, publish or discard it (API for admins, and pages).

Everything about an unpublished regrade is an admin's: its shadow results are
seen by nobody else, anywhere. Once published, a reviewer may read the regrade
(its page and the results it replaced), since the report links to it.

Pages: /regrades lists the regrades and starts one; /regrades/{id} shows the
diff with the publish and discard buttons (forms posted with the session
cookie, which is SameSite=Lax, so another site cannot post them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from api.deps import Admin, PageReviewer, SessionDep, SettingsDep, Staff
from api.identity import Identities
from api.regrade_schemas import (
    PreviousResult,
    RegradeDecided,
    RegradeDetail,
    RegradeIn,
    RegradeOut,
    RegradeStarted,
)
from api.routes.pages import page_error, render
from grader import regrade
from grader.errors import BadInput
from grader.store import regrades, repo
from grader.store.models import RegradeState, Role, TokenRow

router = APIRouter(prefix="/api/regrades", tags=["regrades"])
pages = APIRouter(include_in_schema=False)


def _actor(token: TokenRow) -> str:
    return f"token:{token.id} ({token.name})" if token.name else f"token:{token.id}"


@router.post("", status_code=202, response_model=RegradeStarted)
def start_regrade(body: RegradeIn, token: Admin, settings: SettingsDep) -> RegradeStarted:
    """Grade a challenge's finished submissions again, in the background, into shadow results
    that nobody but an admin sees until the regrade is published."""
    started = regrade.start(
        settings,
        body.challenge,
        version=body.version,
        only=body.only,
        candidate=body.candidate,
        actor=_actor(token),
    )
    return RegradeStarted(
        id=started.regrade,
        challenge=started.challenge,
        version=started.version,
        submissions=started.submissions,
        queued=started.queued,
    )


@router.get("", response_model=list[RegradeOut])
def list_regrades(
    _token: Admin,
    session: SessionDep,
    challenge: str | None = Query(default=None, max_length=100),
) -> list[RegradeOut]:
    """Regrades, newest first."""
    return [RegradeOut.of(row) for row in regrades.list_regrades(session, challenge)]


@router.get("/{regrade_id}", response_model=RegradeDetail)
def get_regrade(regrade_id: str, _token: Admin, session: SessionDep) -> RegradeDetail:
    """A regrade with its diff: per submission old and new scores, the tests that changed."""
    view = regrade.view(session, regrade_id)
    if view is None:
        raise HTTPException(404, "no such regrade")
    return RegradeDetail.of_view(view)


@router.post("/{regrade_id}/publish", response_model=RegradeDecided)
def publish_regrade(regrade_id: str, token: Admin, settings: SettingsDep) -> RegradeDecided:
    """Make the shadow results current, all in one transaction (409 while some still run)."""
    return _decided(regrade.publish, settings.effective_database_url, regrade_id, token)


@router.post("/{regrade_id}/discard", response_model=RegradeDecided)
def discard_regrade(regrade_id: str, token: Admin, settings: SettingsDep) -> RegradeDecided:
    """Drop the regrade: its shadow results are never shown."""
    return _decided(regrade.discard, settings.effective_database_url, regrade_id, token)


def _decided(
    action: Callable[[str, str, str], regrade.Decided], url: str, regrade_id: str, token: TokenRow
) -> RegradeDecided:
    try:
        done = action(url, regrade_id, _actor(token))
    except BadInput as exc:
        status = 404 if str(exc).startswith("no regrade") else 409
        raise HTTPException(status, str(exc)) from exc
    return RegradeDecided(
        id=done.regrade, state=done.state, published=done.published, kept=done.kept
    )


@router.get("/{regrade_id}/previous/{submission_id}", response_model=PreviousResult)
def previous_result(
    regrade_id: str, submission_id: str, token: Staff, session: SessionDep, settings: SettingsDep
) -> PreviousResult:
    """The result a published regrade replaced for this submission, as it was (as the
    viewer may see it: under blind review, masked as the report is)."""
    return _previous(session, Identities(session, settings, token), regrade_id, submission_id)


def _previous(
    session: Session, ids: Identities, regrade_id: str, submission_id: str
) -> PreviousResult:
    row = regrades.get_regrade(session, regrade_id)
    shadow = regrades.shadow_of(session, regrade_id, submission_id)
    if row is None or row.state != RegradeState.PUBLISHED or shadow is None:
        raise HTTPException(404, "no result was replaced by this regrade for this submission")
    if shadow.previous is None:
        raise HTTPException(404, "this submission kept its result in this regrade")
    return PreviousResult(
        regrade=row.id,
        submission=submission_id,
        published_by=row.decided_by,
        published_at=row.decided_at,
        status=shadow.previous.get("status"),
        overall=shadow.previous.get("overall"),
        report=_shown_report(session, ids, submission_id, shadow.previous.get("report")),
    )


def _shown_report(session: Session, ids: Identities, submission_id: str, report: Any) -> Any:
    row = repo.get_submission(session, submission_id)
    return report if row is None else ids.submission(row, people=True).data(report)


# -- pages ---------------------------------------------------------------------------------
@pages.get("/regrades")
def regrades_page(request: Request, user: PageReviewer, session: SessionDep) -> Response:
    if user.role != Role.ADMIN:
        return page_error(request, 403, "Only an admin may see the regrades.", user)
    context = {
        "user": user,
        "regrades": regrades.list_regrades(session),
        "challenges": repo.list_challenges(session),
        "describe": regrade.selection_text,
    }
    return render(request, "regrades.html", context)


@pages.post("/regrades")
def start_from_page(
    request: Request,
    user: PageReviewer,
    settings: SettingsDep,
    challenge: Annotated[str, Form(max_length=100)],
    version: Annotated[str, Form(max_length=64)] = "",
    only: Annotated[str, Form(max_length=20)] = "",
    candidate: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    if user.role != Role.ADMIN:
        return page_error(request, 403, "Only an admin may start a regrade.", user)
    try:
        started = regrade.start(
            settings,
            challenge,
            version=version.strip() or None,
            only=only or None,
            candidate=candidate.strip() or None,
            actor=_actor(user),
        )
    except BadInput as exc:
        return page_error(request, 400, str(exc), user)
    return RedirectResponse(f"/regrades/{started.regrade}", status_code=303)


@pages.get("/regrades/{regrade_id}")
def regrade_page(
    request: Request,
    regrade_id: str,
    user: PageReviewer,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    view = regrade.view(session, regrade_id)
    # A reviewer sees a regrade once it is published (the report links to it), never before.
    shown = view is not None and (
        user.role == Role.ADMIN or view.regrade.state == RegradeState.PUBLISHED
    )
    if view is None or not shown:
        return page_error(request, 404, "There is no such regrade.", user)
    ids = Identities(session, settings, user)
    context = {
        "user": user,
        "view": view,
        "names": {d.submission: _shown_name(session, ids, d.submission) for d in view.diffs},
        "describe": regrade.selection_text,
        "active": view.regrade.state == RegradeState.RUNNING,
    }
    return render(request, "regrade.html", context)


@pages.get("/regrades/{regrade_id}/previous/{submission_id}.json")
def previous_from_page(
    regrade_id: str,
    submission_id: str,
    user: PageReviewer,
    session: SessionDep,
    settings: SettingsDep,
) -> PreviousResult:
    """What the report page links to: the result a published regrade replaced."""
    return _previous(session, Identities(session, settings, user), regrade_id, submission_id)


def _shown_name(session: Session, ids: Identities, submission_id: str) -> str | None:
    """The candidate of a regraded submission as the viewer may see them (a pseudonym under
    blind review), or None when the submission is gone."""
    row = repo.get_submission(session, submission_id)
    return None if row is None else ids.submission(row).name


@pages.post("/regrades/{regrade_id}/{decision}")
def decide_from_page(
    request: Request, regrade_id: str, decision: str, user: PageReviewer, settings: SettingsDep
) -> Response:
    if user.role != Role.ADMIN:
        return page_error(request, 403, "Only an admin may publish or discard a regrade.", user)
    action = {"publish": regrade.publish, "discard": regrade.discard}.get(decision)
    if action is None:
        return page_error(request, 404, "There is no such page.", user)
    try:
        action(settings.effective_database_url, regrade_id, _actor(user))
    except BadInput as exc:
        return page_error(request, 409, str(exc), user)
    return RedirectResponse(f"/regrades/{regrade_id}", status_code=303)
