"""The grading job: what a worker runs for one submission, and what each outcome becomes.

The job is a function of a submission id only (grader/queue.py queues it by
name); everything else is read from the database, so a job can be queued
twice, retried or recovered safely:

- ``claim`` (a conditional UPDATE queued -> running) lets exactly one worker
  grade a submission, whoever else received the same job;
- a candidate's failing code is a result (``handle_graded``), never retried;
- bad input (a repository that vanished, a bad ref) ends in ``error``
  (``handle_bad_input``), never retried;
- a graded submission's fingerprints are stored and compared with the
  challenge's others (grader/similarities.py) after its report is stored; a
  failure there is logged and the grading stands;
- a submission erased while it was graded (grader/erasure.py) has nothing
  stored, compared or announced: the job returns ``erased``;
- an infrastructure failure (Docker, git transport, database) gives the
  submission back to the queue and is retried with backoff by rq
  (``handle_infrastructure_failure``); past the last retry it ends in
  ``error`` (``handle_retries_exhausted``).

A worker reads the challenge version and the repository from this host's
folders, or, with a server URL and a worker token, from the server over HTTP
(grader/remote.py): nothing of the server's disk is then needed.

The grading machinery (Docker's clients, prepare, the pipeline, notifications)
is imported at the first job, not when a worker starts (scripts/bench.py times
the two apart); no import here is deferred to avoid a cycle.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader import __version__, metrics
from grader.announce import announce
from grader.challenge import load_challenge
from grader.config import SANDBOX_START_MARGIN_S, Settings, get_settings
from grader.errors import BadInput, GraderError, InfrastructureError
from grader.queue import LEASE_MARGIN_S, RETRY_INTERVALS_S, with_announced_public_url
from grader.remote import Remote, challenge_folder, repository_source
from grader.similarities import Indexes
from grader.store import hosted, repo
from grader.store.db import session_scope
from grader.store.models import ACTIVE, SubmissionStatus
from grader.timestamps import utc

log = logging.getLogger("grader.jobs")
ERASED = "erased"  # what a job returns when its submission was erased during the grading


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class GradingService:
    """What a worker keeps between jobs: settings, Docker and prepared challenges."""

    settings: Settings
    _services: tuple[Any, Any] | None = None
    _prepared: dict[tuple[str, str], Any] = field(default_factory=dict)
    similarity: Indexes = field(default_factory=Indexes)  # one index per challenge version
    remote: Remote | None = None  # the server to read from, when this host has none of its disk

    def __post_init__(self) -> None:
        self.remote = Remote.of(self.settings)

    def services(self) -> tuple[Any, Any]:
        if self._services is None:
            from grader.engine import Engine
            from grader.images import ImageBuilder
            from grader.sandbox import DockerSandbox

            engine = Engine(self.settings.docker_timeout_s)
            self._services = (
                ImageBuilder(self.settings, engine, log=log.info),
                DockerSandbox(self.settings, engine, warm=True),
            )
        return self._services

    def warm_pool(self) -> Any:
        """The sandboxes kept started for the next jobs, once there is a sandbox."""
        return None if self._services is None else self._services[1].pool

    def close(self) -> None:
        """Remove the warm sandboxes this worker kept ready."""
        if self._services is not None:
            self._services[1].close()

    def prepared(self, root: str, commit: str | None) -> Any:
        from grader.prepare import prepare

        key = (root, commit or "")
        if key not in self._prepared:
            builder, sandbox = self.services()
            self._prepared[key] = prepare(
                load_challenge(Path(root), commit=commit), builder, sandbox, self.settings
            )
        return self._prepared[key]


_service: GradingService | None = None


def service() -> GradingService:
    global _service
    if _service is None:
        _service = GradingService(with_announced_public_url(get_settings()))
    return _service


def run_grading(submission_id: str) -> str:
    """The rq job. Returns the final status, or 'skipped' when another worker has it."""
    status = _run_grading(submission_id)
    if status not in ("skipped", ERASED):  # final and stored: whoever waits may stop waiting
        announce(service().settings, submission_id)
    return status


def _run_grading(submission_id: str) -> str:
    svc = service()
    url = svc.settings.effective_database_url
    with session_scope(url) as session:
        submission = repo.get_submission(session, submission_id)
        if submission is None or submission.status not in ACTIVE:
            return "skipped"
        version = repo.challenge_version(
            session, submission.challenge_id, submission.challenge_version
        )
        if version is None:
            repo.fail(session, submission_id, "the challenge version is not registered")
            return SubmissionStatus.ERROR
        root = challenge_folder(svc.remote, version.challenge_id, version.version, version.root)
        timeout_s = load_challenge(root).limits.timeout_s
        if not repo.claim(
            session,
            submission_id,
            worker_name(),
            timeout_s + SANDBOX_START_MARGIN_S + LEASE_MARGIN_S,
        ):
            return "skipped"
        job = _Job(
            submission_id,
            submission.repo,
            submission.ref,
            submission.commit,
            submission.invitation_id,
            str(root),
            version.commit,
            version.version,
        )
        times = None
        if job.invitation_id:
            invitation = hosted.get_invitation(session, job.invitation_id)
            job.seed_commit = invitation.seed_commit if invitation else None
            times = hosted.push_times(session, job.invitation_id)
    return job.run(svc, times)


@dataclass
class _Job:
    submission_id: str
    repo: str
    ref: str | None
    commit: str | None
    invitation_id: str | None
    root: str
    challenge_commit: str | None
    challenge_version: str
    seed_commit: str | None = None

    def dedupe_key(self, commit: str) -> str:
        """What makes a stored report reusable: the same challenge version, commit and
        grader, for the same candidate's work (their invitation, else the repository). Never
        across candidates: a commit copied from another's repository has its own history
        (push times), its own identity to hide, and must meet the similarity check."""
        owner = self.invitation_id or hashlib.sha256(self.repo.encode()).hexdigest()[:32]
        return f"{self.challenge_version}:{commit}:{__version__}:{owner}"

    def run(self, svc: GradingService, push_times: Any) -> str:
        reused = self._reuse_existing(svc, self.commit) if self.commit else None
        if reused is not None:
            return reused
        try:
            grading = self._grade(svc, push_times)
        except BadInput as exc:
            return self.handle_bad_input(svc, exc)
        except InfrastructureError as exc:
            self.handle_infrastructure_failure(svc, exc)
            raise
        except GraderError as exc:
            return self.handle_bad_input(svc, exc)
        return self.handle_graded(svc, grading)

    def _grade(self, svc: GradingService, push_times: Any) -> Any:
        from grader.pipeline import grade

        prepared = svc.prepared(self.root, self.challenge_commit)
        _builder, sandbox = svc.services()
        policy, source = repository_source(svc.settings, svc.remote, self.repo)
        return grade(
            prepared,
            self.repo,
            self.commit or self.ref,
            settings=svc.settings,
            sandbox=sandbox,
            policy=policy,
            seed_commit=self.seed_commit,
            push_times=push_times,
            source=source,
        )

    def _reuse_existing(self, svc: GradingService, commit: str) -> str | None:
        """The same commit's stored report, reused: the status; None when there is none, or
        when it was graded in another image (a rebuilt base: the same challenge version,
        another environment)."""
        with session_scope(svc.settings.effective_database_url) as session:
            existing = repo.graded_with_key(session, self.dedupe_key(commit))
            if existing is None:
                return None
            digest = svc.prepared(self.root, self.challenge_commit).image.image_id
            if (existing.report.get("sandbox") or {}).get("digest") != digest:
                return None
            stored = repo.finish(
                session,
                self.submission_id,
                status=existing.status,
                overall=existing.overall,
                report=existing.report,
                artifacts=None,
                commit=commit,
                dedupe_key=self.dedupe_key(commit),
                detail=f"same commit already graded in {existing.submission_id}",
            )
        return SubmissionStatus.GRADED if stored else ERASED

    # -- one method per outcome --------------------------------------------
    def handle_graded(self, svc: GradingService, grading: Any) -> str:
        report = grading.report
        artifacts = (
            None
            if grading.artifacts is None
            else {
                "artifacts": grading.artifacts.__dict__,
                "tripwires": [w.__dict__ for w in grading.tripwires],
            }
        )
        with session_scope(svc.settings.effective_database_url) as session:
            stored = repo.finish(
                session,
                self.submission_id,
                status=report.status,
                overall=report.overall,
                report=report.to_dict(),
                artifacts=artifacts,
                commit=report.submission.commit,
                dedupe_key=self.dedupe_key(report.submission.commit),
            )
            row = repo.get_submission(session, self.submission_id)
            submitted = utc(row.created_at) if row is not None else None
        if not stored:  # erased while graded: nothing to store, compare or announce
            log.info(
                "%s was erased while it was graded: its result is discarded", self.submission_id
            )
            return ERASED
        total = (datetime.now(UTC) - submitted).total_seconds() if submitted else None
        metrics.record_graded(str(report.status), grading.timings, total)
        log.info("graded %s: %s %.1f", self.submission_id, report.status, report.overall)
        if report.status == SubmissionStatus.GRADED and grading.fingerprints is not None:
            self.compare(svc, report.challenge.id, grading.fingerprints)
        try:  # the grading is stored: a notification that fails never fails it
            from grader.notify import notify_graded

            notify_graded(svc.settings, self.submission_id)
        except Exception:
            log.exception("could not notify that %s was graded", self.submission_id)
        return str(report.status)

    def compare(self, svc: GradingService, challenge_id: str, fingerprints: Any) -> None:
        """Store the fingerprints and what they match; a failure never fails the grading."""
        try:
            with session_scope(svc.settings.effective_database_url) as session:
                found = svc.similarity.record(
                    session,
                    self.submission_id,
                    challenge_id=challenge_id,
                    version=self.challenge_version,
                    root=Path(self.root),
                    fingerprints=fingerprints,
                )
            flagged = ", ".join(f"{m.other} {m.similarity:.0%}" for m in found.flagged)
            log.info("similarity of %s: %s", self.submission_id, flagged or "nothing flagged")
        except Exception:
            log.exception("could not compare %s with the other submissions", self.submission_id)

    def handle_bad_input(self, svc: GradingService, exc: GraderError) -> str:
        with session_scope(svc.settings.effective_database_url) as session:
            repo.fail(session, self.submission_id, f"cannot grade: {exc}")
        metrics.record_graded(SubmissionStatus.ERROR, {}, None)
        log.info("cannot grade %s: %s", self.submission_id, exc)
        return SubmissionStatus.ERROR

    def handle_infrastructure_failure(self, svc: GradingService, exc: InfrastructureError) -> None:
        with session_scope(svc.settings.effective_database_url) as session:
            repo.release(session, self.submission_id, f"infrastructure failure, retrying: {exc}")
        metrics.record("infrastructure_failures")
        log.warning("infrastructure failure on %s: %s", self.submission_id, exc)


def handle_retries_exhausted(
    job: Any, connection: Any, exc_type: Any, exc: Any, traceback: Any
) -> None:
    """rq's failure callback: called once no retry is left."""
    del connection, exc_type, traceback
    if job.retries_left:
        return
    submission_id = job.args[0]
    with session_scope(service().settings.effective_database_url) as session:
        row = repo.get_submission(session, submission_id)
        if row is not None and row.status in ACTIVE:
            repo.fail(
                session,
                submission_id,
                f"infrastructure failed after {len(RETRY_INTERVALS_S) + 1} attempts: {exc}",
            )
            metrics.record_graded(SubmissionStatus.ERROR, {}, None)
    announce(service().settings, submission_id)
