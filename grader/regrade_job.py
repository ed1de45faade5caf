"""The shadow grading job: one submission of a regrade graded again, into its shadow result.

Queued by grader/regrade.py on the low-priority ``regrade`` queue, by name
(grader/queue.py). Like the grading job (grader/jobs.py) it is a function of an
id only, safe to receive twice: ``claim_shadow`` lets one worker grade it. It
grades the exact commit the submission was graded at, with the same history
inputs (the invitation's seed commit and push times), against the regrade's
challenge version, and writes the report into the shadow result only: the
submission, its report and everything reviewers and candidates read stay as
they were. The worker's prepared challenges and warm sandboxes are shared with
the grading job (grader.jobs.service).

- bad input (the repository or the commit is gone, the version's folder now
  holds other content) ends the shadow grading ``failed`` with the reason;
- an infrastructure failure puts it back in the queue, retried by rq; past the
  last retry it ends ``failed`` (``handle_retries_exhausted``);
- the last shadow grading of a regrade to finish makes the regrade ``ready``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from grader import jobs
from grader.challenge import load_challenge
from grader.errors import BadInput, GraderError, InfrastructureError
from grader.fetch import FetchPolicy
from grader.hosting.repositories import local_repository
from grader.queue import LEASE_MARGIN_S, RETRY_INTERVALS_S
from grader.store import hosted, regrades, repo
from grader.store.db import session_scope
from grader.store.models import RegradeState, ShadowState

log = logging.getLogger("grader.regrade")


@dataclass(frozen=True)
class Target:
    """What to grade again, read from the database before the grading starts."""

    regrade_id: str
    repo: str
    commit: str
    root: str
    challenge_commit: str | None
    version: str
    seed_commit: str | None
    push_times: dict[str, datetime] | None


def run_shadow(shadow_id: int) -> str:
    """The rq job. Returns the shadow's final state, or 'skipped'."""
    svc = jobs.service()
    url = svc.settings.effective_database_url
    with session_scope(url) as session:
        target = _target(session, shadow_id, svc.settings.max_job_timeout_s + LEASE_MARGIN_S)
    if isinstance(target, str):
        return target
    try:
        grading = grade_again(svc, target)
    except InfrastructureError:
        with session_scope(url) as session:
            regrades.release_shadow(session, shadow_id)
        raise
    except GraderError as exc:
        return _failed(url, shadow_id, target.regrade_id, f"cannot grade again: {exc}")
    report = grading.report
    artifacts = (
        None
        if grading.artifacts is None
        else {
            "artifacts": grading.artifacts.__dict__,
            "tripwires": [w.__dict__ for w in grading.tripwires],
        }
    )
    with session_scope(url) as session:
        regrades.finish_shadow(
            session,
            shadow_id,
            status=str(report.status),
            overall=report.overall,
            report=report.to_dict(),
            artifacts=artifacts,
        )
        regrades.mark_ready_if_finished(session, target.regrade_id)
    log.info("shadow grading %s: %s %.1f", shadow_id, report.status, report.overall)
    return ShadowState.DONE


def _target(session: Any, shadow_id: int, lease_s: float) -> Target | str:
    shadow = regrades.get_shadow(session, shadow_id)
    if shadow is None or shadow.state != ShadowState.QUEUED:
        return "skipped"
    regrade = regrades.get_regrade(session, shadow.regrade_id)
    if regrade is None or regrade.state != RegradeState.RUNNING:
        return "skipped"  # discarded meanwhile
    submission = repo.get_submission(session, shadow.submission_id)
    version = repo.challenge_version(session, regrade.challenge_id, regrade.version)
    if not regrades.claim_shadow(session, shadow_id, lease_s):
        return "skipped"
    if submission is None or submission.commit is None or version is None:
        regrades.fail_shadow(session, shadow_id, "the submission or the version is gone")
        regrades.mark_ready_if_finished(session, regrade.id)
        return ShadowState.FAILED
    seed, times = None, None
    if submission.invitation_id:
        invitation = hosted.get_invitation(session, submission.invitation_id)
        seed = invitation.seed_commit if invitation else None
        times = hosted.push_times(session, submission.invitation_id)
    return Target(
        regrade.id,
        submission.repo,
        submission.commit,
        version.root,
        version.commit,
        version.version,
        seed,
        times,
    )


def grade_again(svc: Any, target: Target) -> Any:
    """The pipeline on the submission's commit, against the regrade's challenge version."""
    from grader.pipeline import grade

    found = load_challenge(Path(target.root), commit=target.challenge_commit).content_hash()
    if found != target.version:
        # A folder registered as a version was edited since: grading it would mislabel.
        raise BadInput(
            f"the folder of challenge version {target.version[:12]} now holds version "
            f"{found[:12]}: add that version with `grader challenge add` and regrade against it"
        )
    prepared = svc.prepared(target.root, target.challenge_commit)
    _builder, sandbox = svc.services()
    policy = FetchPolicy(
        local_roots=(svc.settings.data_dir / "repos",),
        hosted_prefixes=tuple(svc.settings.hosted_prefixes),
    )
    return grade(
        prepared,
        target.repo,
        target.commit,
        settings=svc.settings,
        sandbox=sandbox,
        policy=policy,
        seed_commit=target.seed_commit,
        push_times=target.push_times,
        source=str(local_repository(svc.settings, target.repo) or target.repo),
    )


def _failed(url: str, shadow_id: int, regrade_id: str, reason: str) -> str:
    with session_scope(url) as session:
        regrades.fail_shadow(session, shadow_id, reason)
        regrades.mark_ready_if_finished(session, regrade_id)
    log.info("shadow grading %s failed: %s", shadow_id, reason)
    return ShadowState.FAILED


def handle_retries_exhausted(
    job: Any, connection: Any, exc_type: Any, exc: Any, traceback: Any
) -> None:
    """rq's failure callback: once no retry is left, the shadow grading has failed."""
    del connection, exc_type, traceback
    if job.retries_left:
        return
    shadow_id = job.args[0]
    url = jobs.service().settings.effective_database_url
    with session_scope(url) as session:
        shadow = regrades.get_shadow(session, shadow_id)
        if shadow is None:
            return
        regrades.fail_shadow(
            session,
            shadow_id,
            f"infrastructure failed after {len(RETRY_INTERVALS_S) + 1} attempts: {exc}",
        )
        regrades.mark_ready_if_finished(session, shadow.regrade_id)
