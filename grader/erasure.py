"""Erasing a candidate: the database, the disk and the queue, in an order that survives a crash.

``erase`` runs three steps, each safe to run again:

1. the candidate is marked as being erased (grader/store/erasure.py ``begin``,
   committed alone), with the ids of what is to go;
2. with every push to their hosted repositories held (the per-repository push
   lock, so no push is half received), every row about them is removed in one
   transaction (``erase_rows``), then their bare repositories and lock files,
   and their grading jobs in Redis;
3. the erasure is marked done, with the files' and jobs' counts.

A crash between two steps leaves an unfinished erasure: asking again for the same
email finishes it (the mark is found by the email's salted hash), and
``finish_files`` (run by the retention round) completes the disk and queue part of
one whose rows are already gone. A grading running meanwhile finds its submission
gone when it stores its result and discards it (grader/jobs.py); its working
folder is removed by the pipeline as always. Redis being down is not a failure:
a job whose submission is gone is skipped by the worker.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from redis import Redis
from redis.exceptions import RedisError
from rq.job import Job

from grader.config import Settings
from grader.hosting.pushes import hold_pushes
from grader.hosting.repositories import INVITATION_ID, repository_path
from grader.queue import job_id
from grader.store import erasure as store
from grader.store.db import session_scope

log = logging.getLogger("grader.erasure")


@dataclass(frozen=True)
class Erased:
    """One erasure's id and what it removed, per kind (rows, files, queue jobs)."""

    id: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def erase(settings: Settings, email: str, actor: str, reason: str = "request") -> Erased:
    """Remove everything about the candidate with this email; what was removed.

    Erasing an email nothing is known about records an erasure of nothing.
    """
    url = settings.effective_database_url
    with session_scope(url) as session:
        mark = store.begin(session, email, actor, reason)
        erasure_id, invitations = mark.id, list(mark.identifiers.get("invitations", []))
    with _pushes_held(settings, invitations):
        with session_scope(url) as session:
            counts = store.erase_rows(session, erasure_id, email)
            identifiers = dict(store.get(session, erasure_id).identifiers)  # type: ignore[union-attr]
        removed = _remove_files(settings, identifiers)
    with session_scope(url) as session:
        counts = store.finish(session, erasure_id, removed)
    with session_scope(url) as session:
        store.checkpoint(session)
    log.info("erasure %s (%s): %s", erasure_id, reason, counts)
    return Erased(erasure_id, counts)


def finish_files(settings: Settings) -> list[str]:
    """Complete the erasures whose rows are gone but whose files and jobs may not be."""
    with session_scope(settings.effective_database_url) as session:
        unfinished = [(row.id, dict(row.identifiers)) for row in store.unfinished_files(session)]
    for erasure_id, identifiers in unfinished:
        with _pushes_held(settings, identifiers.get("invitations", [])):
            removed = _remove_files(settings, identifiers)
        with session_scope(settings.effective_database_url) as session:
            store.finish(session, erasure_id, removed)
    return [erasure_id for erasure_id, _ids in unfinished]


@contextmanager
def _pushes_held(settings: Settings, invitations: list[str]) -> Iterator[None]:
    """No push to these repositories is received until the block ends (sorted: no deadlock
    with another erasure holding some of the same)."""
    with ExitStack() as stack:
        for invitation_id in sorted(i for i in invitations if INVITATION_ID.match(i)):
            stack.enter_context(hold_pushes(settings, invitation_id))
        yield


def _remove_files(settings: Settings, identifiers: dict[str, list[str]]) -> dict[str, int]:
    """The hosted repositories and the grading jobs; how many of each went."""
    repositories = 0
    for invitation_id in identifiers.get("invitations", []):
        if not INVITATION_ID.match(invitation_id):  # an id from our table, checked anyway
            continue
        bare = repository_path(settings, invitation_id)
        if bare.is_symlink():  # never followed: the link alone goes
            bare.unlink()
            repositories += 1
        elif bare.is_dir():
            shutil.rmtree(bare)
            repositories += 1
    return {
        "repositories": repositories,
        "queue_jobs": _remove_jobs(settings, identifiers.get("submissions", [])),
    }


def _remove_jobs(settings: Settings, submissions: list[str]) -> int:
    """Delete the submissions' rq jobs (their arguments and results); 0 if Redis is away."""
    if not submissions:
        return 0
    removed = 0
    try:
        connection = Redis.from_url(settings.redis_url, socket_timeout=5)
        for submission_id in submissions:
            if not Job.exists(job_id(submission_id), connection=connection):
                continue
            job = Job.fetch(job_id(submission_id), connection=connection)
            # A job being run is left to its worker, which finds the submission gone.
            if job.get_status() != "started":
                job.delete()
                removed += 1
    except RedisError as exc:
        log.warning("erasure: the queue was not reached (%s); its jobs are skipped", exc)
    return removed
