"""One grader installation as the queue's tests see it: settings, a database, a queue and
``grader worker`` processes, with helpers to submit and to read the outcome."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from redis.exceptions import RedisError
from rq.job import Job

from grader import submissions
from grader.catalogue import register_challenge
from grader.challenge import load_challenge
from grader.config import Settings, get_settings
from grader.store import repo
from grader.store.db import session_scope
from tests.conftest import WORD_FREQUENCY, make_repo
from tests.support.git import git
from tests.support.processes import start_in_group, stop_groups
from tests.support.services import seed_data_dir

WORKER = [sys.executable, "-m", "grader.cli", "worker"]
SOLUTION = (WORD_FREQUENCY / "solution" / "wordfreq.py").read_text()


def redis_client(url: str) -> Redis:
    client: Redis = Redis.from_url(url, socket_timeout=5)
    try:
        client.ping()
    except RedisError as exc:
        pytest.fail(f"Redis is not reachable at {url} ({exc})", pytrace=False)
    return client


def moment(at: datetime) -> float:
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


@dataclass
class Deployment:
    """One grader installation as a test sees it: settings, a database, a queue, workers."""

    settings: Settings
    logs: Path
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.settings.effective_database_url

    # -- setting up ------------------------------------------------------------
    @classmethod
    def create(cls, data_dir: Path, database_url: str, redis_url: str) -> Deployment:
        seed_data_dir(data_dir)  # the images `make images` recorded
        settings = get_settings().model_copy(
            update={"data_dir": data_dir, "database_url": database_url, "redis_url": redis_url}
        )
        deployment = cls(settings, data_dir.parent / "logs")
        deployment.logs.mkdir(exist_ok=True)
        deployment.register_word_frequency()
        return deployment

    def register_word_frequency(self) -> None:
        register_challenge(self.url, load_challenge(WORD_FREQUENCY), str(WORD_FREQUENCY), 0)

    def bare_repo(self, name: str, wordfreq: str | None = SOLUTION) -> Path:
        """A candidate's repository under the data folder's repos/, which workers may fetch."""
        work = self.logs.parent / "work" / name
        files: Mapping[str, str | bytes | None] = {"wordfreq.py": wordfreq}
        commits = [("Solve word frequency", files)] if wordfreq else []
        make_repo(work, commits, base=WORD_FREQUENCY / "starter")
        target = self.settings.subdir("repos") / f"{name}.git"
        git(work, "clone", "--bare", "--quiet", str(work), str(target))
        return target

    # -- submitting ------------------------------------------------------------
    def submit(self, repo_path: Path, ref: str | None = "main", expect_queued: bool = True) -> str:
        with session_scope(self.url) as session:
            row = submissions.create(
                session, challenge_id="word-frequency", repo_url=str(repo_path), ref=ref
            )
            queued = submissions.queue_after_commit(session, self.settings, row)
        assert queued is expect_queued
        return row.id

    # -- workers -----------------------------------------------------------------
    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "GRADER_DATA_DIR": str(self.settings.data_dir),
            "GRADER_DATABASE_URL": self.url,
            "GRADER_REDIS_URL": self.settings.redis_url,
            **extra,
        }

    def start_worker(self, *args: str, **env: str) -> subprocess.Popen[bytes]:
        log = self.logs / f"worker-{len(self.workers)}.log"
        process = start_in_group([*WORKER, *args], log, self.env(**env))
        self.workers.append(process)
        return process

    def burst(self, workers: int = 1, timeout_s: float = 300.0, **env: str) -> list[int]:
        """Run burst workers until the queue is empty; returns their exit codes."""
        started = [self.start_worker("--burst", **env) for _ in range(workers)]
        return [p.wait(timeout=timeout_s) for p in started]

    def stop_workers(self) -> None:
        stop_groups(self.workers, 30)

    def worker_log(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("*.log")))

    # -- reading the outcome -------------------------------------------------------
    def status(self, submission_id: str) -> str:
        with session_scope(self.url) as session:
            row = repo.get_submission(session, submission_id)
            assert row is not None
            return row.status

    def events(self, submission_id: str) -> list[tuple[str, str, float]]:
        with session_scope(self.url) as session:
            return [
                (e.status, e.detail, moment(e.at)) for e in repo.events_of(session, submission_id)
            ]

    def history(self, submission_id: str) -> list[str]:
        return [status for status, _detail, _at in self.events(submission_id)]

    def row(self, submission_id: str) -> dict[str, Any]:
        with session_scope(self.url) as session:
            row = repo.get_submission(session, submission_id)
            report = repo.report_of(session, submission_id)
            assert row is not None
            return {
                "status": row.status,
                "attempts": row.attempts,
                "error": row.error,
                "commit": row.commit,
                "dedupe_key": row.dedupe_key,
                "report": None if report is None else report.report,
            }

    def job(self, submission_id: str) -> Job:
        return Job.fetch(f"grade-{submission_id}", connection=redis_client(self.settings.redis_url))
