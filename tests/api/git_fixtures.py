"""Hosted repositories for the git tests: invited candidates on a live server, and a whole
deployment (`grader serve` as a subprocess, with a Redis of its own).

- ``hosted``: the live server (tests/api/conftest.py) with word-frequency registered
  without Docker, an admin token and two invited candidates, ada and bob;
- ``deployment``: `grader serve` on its own data folder, catalogue and Redis, for the
  tests that push to a real server and run a real worker (Docker).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from grader.hosting import repositories
from grader.store.db import session_scope
from grader.store.models import PushRow, SubmissionRow
from tests.api.conftest import (
    WORD_FREQUENCY,
    LiveServer,
    bearer,
    candidate_git,
    create_token,
    register_without_docker,
    with_credentials,
)
from tests.support.services import free_port, redis_server, wait_for

SOLUTION = WORD_FREQUENCY / "solution" / "wordfreq.py"


@dataclass(frozen=True)
class Invited:
    id: str
    clone_url: str
    token: str


@dataclass(frozen=True)
class Hosting:
    server: LiveServer
    admin: str
    ada: Invited
    bob: Invited

    def submissions(self) -> list[SubmissionRow]:
        with session_scope(self.server.settings.effective_database_url) as session:
            return list(session.scalars(select(SubmissionRow).order_by(SubmissionRow.created_at)))

    def pushes(self) -> list[PushRow]:
        with session_scope(self.server.settings.effective_database_url) as session:
            return list(session.scalars(select(PushRow).order_by(PushRow.id)))

    def main(self, invited: Invited) -> str:
        bare = repositories.repository_path(self.server.settings, invited.id)
        return subprocess.run(
            ["git", "--git-dir", str(bare), "rev-parse", "refs/heads/main"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()


def invite(server: LiveServer, admin: str, email: str) -> Invited:
    response = httpx.post(
        f"{server.url}/api/invitations",
        json={"challenge": "word-frequency", "candidate": email},
        headers=bearer(admin),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Invited(body["id"], body["clone_url"], body["token"])


@pytest.fixture
def hosted(live_server: LiveServer) -> Hosting:
    register_without_docker(live_server.settings)
    admin = create_token(live_server.settings, "admin")
    return Hosting(
        live_server,
        admin,
        invite(live_server, admin, "ada@example.com"),
        invite(live_server, admin, "bob@example.com"),
    )


def clone(invited: Invited, secret: str, dest: Path) -> subprocess.CompletedProcess[str]:
    return candidate_git(
        dest.parent, "clone", with_credentials(invited.clone_url, secret), dest.name
    )


def commit_solution(work: Path, message: str = "Count words with a Counter") -> str:
    shutil.copy(SOLUTION, work / "wordfreq.py")
    assert candidate_git(work, "add", "-A").returncode == 0
    assert candidate_git(work, "commit", "-q", "-m", message).returncode == 0
    return candidate_git(work, "rev-parse", "HEAD").stdout.strip()


GRADER = [sys.executable, "-m", "grader.cli"]


@dataclass
class Deployment:
    """`grader serve` as a subprocess, on its own data folder, catalogue and Redis database."""

    url: str
    env: dict[str, str]
    logs: Path

    def run(self, *args: str, timeout: float = 600) -> str:
        done = subprocess.run(
            [*GRADER, *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        assert done.returncode == 0, f"grader {args[0]} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def api(self, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, self.url + path, headers=bearer(token), **kwargs)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[str]:
    """A Redis of this test's own: a shared one may have other workers that take our jobs."""
    with redis_server(tmp_path / "redis") as server:
        yield server.url


@pytest.fixture
def deployment(tmp_path: Path, private_redis: str) -> Iterator[Deployment]:
    catalogue = tmp_path / "catalogue"
    catalogue.mkdir()
    (catalogue / "word-frequency").symlink_to(WORD_FREQUENCY, target_is_directory=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # No GRADER_PUBLIC_URL: the clone URLs must follow the port the server listens on, and
    # the worker learns the server's URL through Redis.
    env = {
        **os.environ,
        "GRADER_DATA_DIR": str(tmp_path / "data"),
        "GRADER_CHALLENGES_DIR": str(catalogue),
        "GRADER_REDIS_URL": private_redis,
        # No worker runs while these tests push: git push waits this long for a grading.
        "GRADER_PUSH_FEEDBACK_WAIT_S": "3",
    }
    env.pop("GRADER_DATABASE_URL", None)
    env.pop("GRADER_PUBLIC_URL", None)
    logs = tmp_path / "serve.log"
    with logs.open("wb") as log:
        server = subprocess.Popen(
            [*GRADER, "serve", "--port", str(port)], env=env, stdout=log, stderr=log
        )
    try:
        yield Deployment(url, env, logs)
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_for_catalogue(deployment: Deployment, admin: str, timeout_s: float = 300) -> None:
    def listed() -> bool:
        try:
            answer = deployment.api("GET", "/api/challenges", admin)
        except httpx.TransportError:
            return False
        return answer.status_code == 200 and bool(answer.json())

    try:
        wait_for("the server lists its catalogue", listed, timeout_s, 0.5)
    except TimeoutError as exc:
        raise AssertionError(f"{exc}:\n{deployment.logs.read_text()}") from exc
