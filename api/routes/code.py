"""Reading a submission's code: its files, one file, the diff against the starter, a commit's
diff, its attempts and the rewrites of its history; as pages and as JSON.

For admins and reviewers only (a candidate never reaches them: the pages take
a staff session, the API a staff token). The code is read through api/code.py,
which bounds every read and makes every name visible; a repository not on this
host gets a page that says so, never a clone on request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api import code, work
from api.code_schemas import (
    AttemptOut,
    DiffFileOut,
    DiffOut,
    FileOut,
    ReplacedCommitOut,
    RewriteOut,
    TreeFileOut,
    TreeOut,
)
from api.deps import PageReviewer, SessionDep, SettingsDep, Staff
from api.identity import Identities, Shown
from api.routes.pages import page_error, render
from grader.config import Settings
from grader.git import browse
from grader.store import repo
from grader.store.models import SubmissionRow, TokenRow

router = APIRouter()
PathQuery = Annotated[str, Query(max_length=4096)]


def _submission(session: Session, submission_id: str) -> SubmissionRow | None:
    return repo.get_submission(session, submission_id)


def _masker(session: Session, settings: Settings, viewer: TokenRow, row: SubmissionRow) -> Shown:
    """The candidate as ``viewer`` may see them: under blind review, their name, email and
    repository are masked in every file, diff line and commit subject shown."""
    return Identities(session, settings, viewer).submission(row, people=True)


def _mask(who: Shown) -> Callable[[str], str]:
    return lambda text: who.text(text) or ""


def _source(session: Session, settings: Settings, row: SubmissionRow) -> code.Source:
    found = repo.report_of(session, row.id)
    return code.source_of(session, settings, row, found.report if found else {})


def _commit_diff_base(source: code.Source, sha: str | None) -> tuple[str | None, str]:
    """(old, new) of a diff: a commit against its first parent, or the graded commit
    against the starter. A commit not in this repository is a 404."""
    assert source.repo is not None and source.commit is not None
    if sha is None:
        starter = source.starter
        if starter is not None and not browse.has_commit(source.repo, starter):
            starter = None
        return starter, source.commit
    if not code.full_sha(sha) or not browse.has_commit(source.repo, sha):
        raise HTTPException(404, "no such commit in this submission's repository")
    return browse.first_parent(source.repo, sha), sha


# -- pages ----------------------------------------------------------------------------------
@router.get("/submissions/{submission_id}/code", include_in_schema=False)
def code_page(
    request: Request,
    submission_id: str,
    user: PageReviewer,
    session: SessionDep,
    settings: SettingsDep,
    path: PathQuery = "",
) -> Response:
    row = _submission(session, submission_id)
    if row is None:
        return page_error(request, 404, "There is no such submission.", user)
    source = _source(session, settings, row)
    who = _masker(session, settings, user, row)
    file = code.file_view(source, path, _mask(who)) if path and not source.why else None
    context = {
        "user": user,
        "submission": row,
        "who": who,
        "source": source,
        "tree": code.tree_rows(source),
        "file": file,
        "missing": code.visible(path) if path and file is None else None,
        "max_file": browse.MAX_FILE_BYTES,
    }
    return render(request, "code.html", context, 404 if path and file is None else 200)


@router.get("/submissions/{submission_id}/diff", include_in_schema=False)
def starter_diff_page(
    request: Request,
    submission_id: str,
    user: PageReviewer,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    return _diff_page(request, submission_id, None, user, session, settings)


@router.get("/submissions/{submission_id}/commits/{sha}", include_in_schema=False)
def commit_diff_page(
    request: Request,
    submission_id: str,
    sha: str,
    user: PageReviewer,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    return _diff_page(request, submission_id, sha, user, session, settings)


def _diff_page(
    request: Request,
    submission_id: str,
    sha: str | None,
    user: TokenRow,
    session: Session,
    settings: Settings,
) -> Response:
    row = _submission(session, submission_id)
    if row is None:
        return page_error(request, 404, "There is no such submission.", user)
    source = _source(session, settings, row)
    who = _masker(session, settings, user, row)
    heading = "Diff against the starter" if sha is None else f"Commit {sha[:10]}"
    context: dict[str, object] = {
        "user": user,
        "submission": row,
        "who": who,
        "heading": heading,
        "files": [],
        "truncated": 0,
        "budget_spent": False,
        "old": None,
        "new": sha or row.commit,
        "subject": None,
        "why": source.why,
        "max_file": browse.MAX_FILE_BYTES,
        "max_page": browse.MAX_PAGE_BYTES,
        "max_lines": browse.MAX_PAGE_LINES,
    }
    if source.why is None:
        try:
            old, new = _commit_diff_base(source, sha)
        except HTTPException:
            return page_error(request, 404, "There is no such commit in this repository.", user)
        assert source.repo is not None
        files, truncated, spent = code.diff_view(source.repo, old, new, _mask(who))
        subject = browse.subjects(source.repo, [new]).get(new) if sha else None
        subject = who.text(subject) if subject else None
        context.update(
            files=files,
            truncated=truncated,
            budget_spent=spent,
            old=old,
            new=new,
            subject=code.visible(subject) if subject else None,
        )
    return render(request, "diff.html", context)


# -- the API --------------------------------------------------------------------------------
def _staff_row(session: Session, submission_id: str) -> SubmissionRow:
    row = _submission(session, submission_id)
    if row is None:
        raise HTTPException(404, "no such submission")
    return row


@router.get("/api/submissions/{submission_id}/code", response_model=TreeOut, tags=["code"])
def get_tree(
    submission_id: str, _token: Staff, session: SessionDep, settings: SettingsDep
) -> TreeOut:
    """The graded commit's files (at most 2000), or why they cannot be read here."""
    source = _source(session, settings, _staff_row(session, submission_id))
    rows, left_out = code.tree_rows(source)
    return TreeOut(
        available=source.why is None,
        why=source.why,
        commit=source.commit,
        starter=source.starter,
        files=[TreeFileOut(path=r.path, size=r.size, kind=r.kind) for r in rows],
        left_out=left_out,
    )


@router.get("/api/submissions/{submission_id}/code/file", response_model=FileOut, tags=["code"])
def get_file(
    submission_id: str, path: PathQuery, token: Staff, session: SessionDep, settings: SettingsDep
) -> FileOut:
    """One file of the graded commit: its text up to 256 KB, else a summary (size, kind)."""
    row = _staff_row(session, submission_id)
    source = _source(session, settings, row)
    if source.why is not None:
        raise HTTPException(409, source.why)
    found = code.find_file(source, path)
    if found is None:
        raise HTTPException(404, "no such file in the graded commit")
    mask = _mask(_masker(session, settings, token, row))
    text = code.visible(mask(found.text)) if found.text is not None else None
    return FileOut(
        path=path,
        size=found.size,
        kind=found.kind,
        text=text if found.kind == browse.Kind.TEXT else None,
        target=text if found.kind == browse.Kind.LINK else None,
    )


@router.get("/api/submissions/{submission_id}/diff", response_model=DiffOut, tags=["code"])
def get_diff(
    submission_id: str,
    token: Staff,
    session: SessionDep,
    settings: SettingsDep,
    commit: Annotated[str | None, Query(max_length=40)] = None,
) -> DiffOut:
    """The graded commit against the starter, or ``commit`` against its first parent."""
    row = _staff_row(session, submission_id)
    source = _source(session, settings, row)
    if source.why is not None or source.repo is None:
        raise HTTPException(409, source.why)
    old, new = _commit_diff_base(source, commit)
    mask = _mask(_masker(session, settings, token, row))
    files, left_out, spent = code.diff_view(source.repo, old, new, mask)
    return DiffOut(
        old=old,
        new=new,
        files=[
            DiffFileOut(
                status=f.status,
                path=f.path,
                old_path=f.old_path,
                kind=f.kind,
                old_size=f.old_size,
                new_size=f.new_size,
                lines=[x.text for x in f.lines],
                cut=f.cut,
            )
            for f in files
        ],
        left_out=left_out,
        budget_spent=spent,
    )


@router.get(
    "/api/submissions/{submission_id}/attempts", response_model=list[AttemptOut], tags=["code"]
)
def get_attempts(submission_id: str, _token: Staff, session: SessionDep) -> list[AttemptOut]:
    """Every grading of the same invitation, oldest first, with its score."""
    row = _staff_row(session, submission_id)
    return [AttemptOut(**a.__dict__) for a in work.attempts(session, row)]


@router.get(
    "/api/submissions/{submission_id}/rewrites", response_model=list[RewriteOut], tags=["code"]
)
def get_rewrites(
    submission_id: str, token: Staff, session: SessionDep, settings: SettingsDep
) -> list[RewriteOut]:
    """The force-pushes before this grading, with the commits each replaced."""
    row = _staff_row(session, submission_id)
    source = _source(session, settings, row)
    mask = _mask(_masker(session, settings, token, row))
    return [
        RewriteOut(
            ref=r.ref,
            old=r.old,
            new=r.new,
            received_at=r.received_at,
            unreadable=r.unreadable,
            replaced=[
                ReplacedCommitOut(
                    sha=c.sha, subject=code.visible(mask(c.subject)) if c.subject else None
                )
                for c in r.replaced
            ],
        )
        for r in work.rewrites(session, source.repo, row)
    ]
