"""Regrades: a challenge's submissions graded again, shown as a diff, then published or not.

``start`` records a regrade (challenge, version, who, when) with one shadow
result per selected submission and queues their gradings on the low-priority
``regrade`` queue (grader/queue.py; the job is grader/regrade_job.py). A
shadow result is stored apart from the reports (grader/store/regrades.py), so
reviewers, candidates and the exports keep seeing the current results.

``view`` is the diff (grader/regrade_diff.py): per submission the current and
the shadow scores and the tests whose outcome changed, and a summary.

``publish`` makes every finished shadow result current in ONE transaction;
the result it replaces is kept with the shadow row, linked from the report,
with who published and when. It is refused while a shadow grading still runs
(a half-published regrade would leave a round graded by two versions). A
shadow grading that failed (infrastructure, after its retries) is not
published: that submission keeps its current result. ``discard`` drops a
regrade; its queued gradings are skipped.

``recover`` (run by workers, as grader/queue.recover is) queues again the
shadow gradings a killed worker or a Redis restart lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from redis.exceptions import RedisError

from grader import queue
from grader.config import Settings
from grader.errors import BadInput
from grader.regrade_diff import SubmissionDiff, diff, summary
from grader.store import regrades, repo
from grader.store.db import session_scope
from grader.store.models import (
    FINAL,
    RegradeRow,
    RegradeState,
    ShadowState,
    utcnow,
)

log = logging.getLogger("grader.regrade")
FINISHED = (ShadowState.DONE, ShadowState.FAILED)


@dataclass(frozen=True)
class Started:
    regrade: str
    challenge: str
    version: str
    submissions: int
    queued: bool  # False: Redis was unreachable; recovery queues them


def start(
    settings: Settings,
    challenge_id: str,
    *,
    version: str | None = None,
    only: str | None = None,
    candidate: str | None = None,
    actor: str,
) -> Started:
    """Record a regrade and queue its shadow gradings. BadInput says what is wrong."""
    if only is not None and only not in {s.value for s in FINAL}:
        allowed = ", ".join(sorted(s.value for s in FINAL))
        raise BadInput(f"--only takes a final status ({allowed}), not {only!r}")
    with session_scope(settings.effective_database_url) as session:
        challenge = repo.get_challenge(session, challenge_id)
        if challenge is None:
            raise BadInput(f"unknown challenge {challenge_id!r}")
        version = version or challenge.current_version
        if repo.challenge_version(session, challenge_id, version) is None:
            raise BadInput(f"challenge {challenge_id} has no version {version!r}")
        pending = regrades.open_regrade(session, challenge_id)
        if pending is not None:
            raise BadInput(
                f"regrade {pending.id} of {challenge_id} is {pending.state}: "
                "publish or discard it before starting another"
            )
        chosen = regrades.selected_submissions(session, challenge_id, only, candidate)
        if not chosen:
            raise BadInput(f"no finished submission of {challenge_id} matches the selection")
        selection = {"only": only, "candidate": candidate}
        row = regrades.create_regrade(
            session, challenge_id=challenge_id, version=version, selection=selection, actor=actor
        )
        shadows = [regrades.add_shadow(session, row.id, s.id).id for s in chosen]
        repo.audit(session, actor, "regrade.start", row.id, {**selection, "version": version})
        started = Started(row.id, challenge_id, version, len(shadows), True)
    # Queued once committed, so that a worker never looks for a row that is not there yet.
    queued = all([queue.enqueue_regrade(settings, s, settings.max_job_timeout_s) for s in shadows])
    return Started(started.regrade, challenge_id, started.version, len(shadows), queued)


@dataclass(frozen=True)
class RegradeView:
    regrade: RegradeRow
    title: str
    diffs: list[SubmissionDiff]
    summary: dict[str, int]

    @property
    def unfinished(self) -> int:
        return self.summary["pending"]


def view(session: Any, regrade_id: str) -> RegradeView | None:
    """The diff a regrade makes (or, once published, made)."""
    row = regrades.get_regrade(session, regrade_id)
    if row is None:
        return None
    published = row.state == RegradeState.PUBLISHED
    diffs = []
    for shadow, submission, current in regrades.shadows_of(session, regrade_id):
        if published and shadow.previous is not None:
            old = shadow.previous.get("report")
        else:
            old = current.report if current is not None else None
        finished = shadow.state in FINISHED
        new = shadow.report if shadow.state == ShadowState.DONE else None
        diffs.append(
            diff(
                submission.id,
                submission.candidate_email,
                submission.commit,
                old,
                new,
                finished=finished,
                error=shadow.error,
            )
        )
    challenge = repo.get_challenge(session, row.challenge_id)
    title = challenge.title if challenge else row.challenge_id
    return RegradeView(row, title, diffs, summary(diffs))


@dataclass(frozen=True)
class Decided:
    regrade: str
    state: str
    published: int = 0  # results that became current
    kept: int = 0  # failed shadow gradings: their submission keeps its result


def publish(database_url: str, regrade_id: str, actor: str) -> Decided:
    """Every finished shadow result becomes current, in one transaction, or none does."""
    with session_scope(database_url) as session:
        row = _open(session, regrade_id)
        if row.state == RegradeState.RUNNING:
            waiting = regrades.unfinished_count(session, regrade_id)
            raise BadInput(
                f"regrade {regrade_id} is still running: {waiting} shadow grading(s) have not "
                "finished; publish it once it is ready, or discard it"
            )
        if not regrades.decide(
            session, regrade_id, RegradeState.READY, RegradeState.PUBLISHED, actor
        ):
            raise BadInput(f"regrade {regrade_id} was decided meanwhile: nothing published")
        published = kept = 0
        for shadow, submission, _current in regrades.shadows_of(session, regrade_id):
            if shadow.state != ShadowState.DONE:
                kept += 1
                continue
            regrades.publish_shadow(session, shadow, submission, row)
            published += 1
        repo.audit(
            session, actor, "regrade.publish", regrade_id, {"published": published, "kept": kept}
        )
    return Decided(regrade_id, RegradeState.PUBLISHED, published, kept)


def discard(database_url: str, regrade_id: str, actor: str) -> Decided:
    """Drop a regrade: nothing of it is ever shown; its queued gradings are skipped."""
    with session_scope(database_url) as session:
        row = _open(session, regrade_id)
        if not regrades.decide(session, regrade_id, row.state, RegradeState.DISCARDED, actor):
            raise BadInput(f"regrade {regrade_id} was decided meanwhile: nothing discarded")
        repo.audit(session, actor, "regrade.discard", regrade_id)
    return Decided(regrade_id, RegradeState.DISCARDED)


def _open(session: Any, regrade_id: str) -> RegradeRow:
    row = regrades.get_regrade(session, regrade_id)
    if row is None:
        raise BadInput(f"no regrade {regrade_id}")
    if row.state not in regrades.OPEN:
        by = f" by {row.decided_by}" if row.decided_by else ""
        raise BadInput(f"regrade {regrade_id} is already {row.state}{by}")
    return row


def recover(settings: Settings, queued_grace_s: float = 60.0) -> list[int]:
    """Queue again shadow gradings lost to a killed worker or to Redis; their ids."""
    now: datetime = utcnow()
    lost: list[int] = []
    try:
        with session_scope(settings.effective_database_url) as session:
            for shadow in regrades.stale_shadows(
                session, now, now - timedelta(seconds=queued_grace_s)
            ):
                if shadow.state == ShadowState.QUEUED and queue.regrade_job_alive(
                    settings, shadow.id
                ):
                    continue
                regrades.requeue_shadow(session, shadow)
                lost.append(shadow.id)
    except RedisError as exc:
        log.warning("regrade recovery skipped: Redis unreachable (%s)", exc)
        return []
    for shadow_id in lost:
        queue.enqueue_regrade(settings, shadow_id, settings.max_job_timeout_s)
    return lost


def selection_text(selection: dict[str, Any]) -> str:
    """How a regrade chose its submissions, in words."""
    parts = []
    if selection.get("only"):
        parts.append(f"status {selection['only']}")
    if selection.get("candidate"):
        parts.append(f"candidate {selection['candidate']}")
    return ", ".join(parts) or "every finished submission"
