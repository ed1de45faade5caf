"""Pushes: to a hosted repository over smart HTTP, or to an external one told by its webhook.

Pushes are received here: the refs are compared before and after
``git receive-pack`` (hooks stay off for candidate repositories), every change
is recorded with its arrival time, and a new commit on ``main`` is queued for
grading (or held, past the challenge's gradings limit). Per-candidate limits
refuse a push before any ref moves, with the reason in git's own report so that
``git push`` prints it. What the pusher hears after that, the grading's result
included, is grader/hosting/push_feedback.py's.
"""

from __future__ import annotations

import dataclasses
import fcntl
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from grader import candidate_feedback, git, submissions
from grader.config import Settings
from grader.errors import BadInput, RepositoryError
from grader.git.pktline import FLUSH, pkt, read_push_request, refusal
from grader.hosting import gate
from grader.hosting.push_feedback import Pushed, reply
from grader.hosting.repositories import DEFAULT_BRANCH, clone_url, repository_path
from grader.store import hosted, repo
from grader.store.db import session_scope
from grader.store.models import utcnow


# -- serving a hosted repository --------------------------------------------------------------
def advertisement(settings: Settings, invitation_id: str, service: str) -> bytes:
    """The answer to ``info/refs?service=git-<service>``.

    A push that the limits would refuse anyway is refused here, before git
    packs anything: git prints an ``ERR`` line as ``remote error: <reason>``.
    """
    if service == "receive-pack":
        reason = push_limit_reason(settings, invitation_id)
        if reason is not None:
            return pkt(f"ERR {reason}\n".encode())
    bare = repository_path(settings, invitation_id)
    header = pkt(f"# service=git-{service}\n".encode()) + FLUSH
    return header + git.advertise_refs(bare, service)


def upload_pack(settings: Settings, invitation_id: str, body: IO[bytes]) -> Iterator[bytes]:
    """A fetch or a clone: the pack, streamed; ``body`` is closed at the end."""
    try:
        bare = repository_path(settings, invitation_id)
        yield from git.stream_service(bare, "upload-pack", body, settings.git_timeout_s)
    finally:
        body.close()


@dataclass(frozen=True)
class Pusher:
    """Who pushes: the audit's actor, and the token the submission is attributed to."""

    actor: str
    token_id: int
    bound: bool = False  # the invitation's own candidate: its window applies (gate.py)


def receive_pack(
    settings: Settings, invitation_id: str, body: IO[bytes], body_bytes: int, pusher: Pusher
) -> Iterable[bytes]:
    """A push: refused by the limits, or received, recorded and (on main) queued.

    The answer is streamed: after git's report it may wait for the grading
    (grader/hosting/push_feedback.py), with the push lock released."""
    request = read_push_request(body)
    bare = repository_path(settings, invitation_id)
    if not request.commands:
        # git's probe before a large push (a bare flush): nothing to update or count.
        return [git.run_service(bare, "receive-pack", body, settings.git_timeout_s)]
    with _push_lock(settings, invitation_id):
        verdict = gate.push_verdict(settings, invitation_id, pusher.bound)
        budget = (settings.max_hosted_repo_mb << 20) - git.repository_bytes(bare)
        reason = (
            verdict.refusal
            or push_limit_reason(settings, invitation_id)
            or _size_refusal(settings, budget, body_bytes)
        )
        if reason is not None:
            _audit(settings, pusher.actor, "git.push.refused", invitation_id, {"reason": reason})
            notes = "".join(verdict.notes).encode() if verdict.refusal else b""
            return [(request.band(2, notes) if notes else b"") + refusal(request, reason)]
        before = git.list_refs(bare)
        config = (f"receive.maxInputSize={max(budget, 1)}", "receive.autogc=false")
        report = git.run_service(bare, "receive-pack", body, settings.git_timeout_s, config)
        after = git.list_refs(bare)
        pushed = _record_push(settings, invitation_id, before, after, pusher, verdict.late)
    return reply(settings, request, report, dataclasses.replace(pushed, notes=verdict.notes))


@contextmanager
def _push_lock(settings: Settings, invitation_id: str) -> Iterator[None]:
    """One push at a time per repository, across threads and server processes.

    The refs compared before and after a push must be that push's alone.
    """
    path = settings.subdir("locks") / f"{invitation_id}.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- limits -------------------------------------------------------------------------------------
ERASED = "this invitation was closed and its candidate's data erased: nothing more is received"


def push_limit_reason(settings: Settings, invitation_id: str) -> str | None:
    """Why one more push (to the hosted repository, or told by a webhook) is refused, if it is."""
    since = utcnow() - timedelta(hours=1)
    with session_scope(settings.effective_database_url) as session:
        if hosted.get_invitation(session, invitation_id) is None:
            return ERASED
        recent = hosted.pushes_since(session, invitation_id, since)
    if len(recent) < settings.max_pushes_per_hour:
        return None
    again = recent[-settings.max_pushes_per_hour] + timedelta(hours=1)
    return (
        f"push limit reached: at most {settings.max_pushes_per_hour} pushes an hour; "
        f"try again after {again:%H:%M} UTC"
    )


def _size_refusal(settings: Settings, budget: int, incoming: int) -> str | None:
    if incoming <= budget:
        return None
    left = _mb(max(budget, 0))
    limit = settings.max_hosted_repo_mb
    return f"repository size limit ({limit} MB): this push sends {_mb(incoming)}, {left} left"


def _mb(size: int) -> str:
    return f"{size / (1 << 20):.1f} MB"


# -- recording a push ---------------------------------------------------------------------------
def _record_push(
    settings: Settings,
    invitation_id: str,
    before: dict[str, str],
    after: dict[str, str],
    pusher: Pusher,
    late: bool = False,
) -> Pushed:
    """Record what moved, and queue a grading of a new main; what the pusher hears of."""
    refs = sorted(before.keys() | after.keys())
    moved = {r: after.get(r, git.NULL_SHA) for r in refs if before.get(r) != after.get(r)}
    if not moved:
        return Pushed()
    main_ref = f"refs/heads/{DEFAULT_BRANCH}"
    ungraded = tuple(r for r, new in moved.items() if r != main_ref and new != git.NULL_SHA)
    bare = repository_path(settings, invitation_id)
    with session_scope(settings.effective_database_url) as session:
        for ref, new in moved.items():
            old = before.get(ref)
            hosted.record_push(
                session,
                invitation_id=invitation_id,
                ref=ref,
                old=old,
                new=new,
                commits=_introduced(bare, new, list(before.values())),
                forced=_forced(bare, old, new),
                late=late,
            )
        detail: dict[str, Any] = {"refs": moved, **({"late": True} if late else {})}
        repo.audit(session, pusher.actor, "git.push", invitation_id, detail)
        main = moved.get(main_ref, git.NULL_SHA)
        if main == git.NULL_SHA:  # main did not move, or was deleted
            return Pushed(ungraded=ungraded)
        return _queue_grading(
            session, settings, invitation_id, main, pusher.token_id, ungraded, late
        )


def _introduced(bare: Path, new: str, before: list[str]) -> list[str]:
    if new == git.NULL_SHA:
        return []
    try:
        return git.introduced_commits(bare, new, before)
    except RepositoryError:  # a ref to a tree or a blob: it introduces no commits
        return []


def _forced(bare: Path, old: str | None, new: str) -> bool:
    """A ref that moved to a commit whose history does not contain the old one."""
    if old is None or new == git.NULL_SHA:
        return False
    try:
        return not git.is_ancestor(bare, old, new)
    except RepositoryError:
        return False


def _queue_grading(
    session: Session,
    settings: Settings,
    invitation_id: str,
    commit: str,
    token_id: int | None,
    ungraded: tuple[str, ...],
    late: bool = False,
) -> Pushed:
    """Queue a grading of ``commit`` of an invitation's hosted repository (or hold it past
    the gradings limit)."""
    invitation = hosted.get_invitation(session, invitation_id)
    if invitation is None:
        raise BadInput(f"no invitation {invitation_id}")
    row = submissions.create(
        session,
        challenge_id=invitation.challenge_id,
        repo_url=clone_url(settings, invitation_id),
        ref=DEFAULT_BRANCH,
        commit=commit,
        candidate_email=invitation.candidate_email,
        invitation_id=invitation_id,
        submitted_by=token_id,
    )
    row.late = late  # after the deadline, accepted: graded, but not the one that counts
    held = candidate_feedback.hold_if_over_limit(session, row)
    queued = held is None and submissions.queue_after_commit(session, settings, row)
    return Pushed(row.id, commit, queued, held, ungraded)


def _audit(
    settings: Settings, actor: str, action: str, subject: str, detail: dict[str, Any]
) -> None:
    with session_scope(settings.effective_database_url) as session:
        repo.audit(session, actor, action, subject, detail)


# -- pushes to an external host, told by its webhook --------------------------------------------
@dataclass(frozen=True)
class ExternalPush:
    host: str  # github, gitlab, gitea
    ref: str
    before: str | None
    after: str
    commits: tuple[str, ...]
    forced: bool


def queue_external_push(
    settings: Settings, invitation_id: str, push: ExternalPush
) -> tuple[str, str | None]:
    """Record a push a webhook told of and queue a grading of its commit: the submission id,
    and why it is held instead (past the challenge's gradings limit), if it is."""
    with session_scope(settings.effective_database_url) as session:
        invitation = hosted.get_invitation(session, invitation_id)
        if invitation is None or invitation.external_repo is None:
            raise BadInput(f"no invitation {invitation_id} with an external repository")
        verdict = gate.webhook_verdict(invitation)
        if verdict.refusal is not None:
            raise BadInput(verdict.refusal)
        hosted.record_push(
            session,
            invitation_id=invitation_id,
            ref=push.ref,
            old=push.before,
            new=push.after,
            commits=list(push.commits),
            forced=push.forced,
            late=verdict.late,
        )
        row = submissions.create(
            session,
            challenge_id=invitation.challenge_id,
            repo_url=invitation.external_repo,
            ref=push.ref.removeprefix("refs/heads/"),
            commit=push.after,
            candidate_email=invitation.candidate_email,
            invitation_id=invitation_id,
        )
        row.late = verdict.late
        repo.audit(
            session, f"webhook:{push.host}", "webhook.push", invitation_id, {"submission": row.id}
        )
        held = candidate_feedback.hold_if_over_limit(session, row)
        if held is None:
            submissions.queue_after_commit(session, settings, row)
        return row.id, held


def hold_pushes(settings: Settings, invitation_id: str) -> AbstractContextManager[None]:
    """While held, no push to this repository is received (an erasure removes it meanwhile)."""
    return _push_lock(settings, invitation_id)
