"""The candidate-facing attacks' server: a real one in this process, its deadline clock
replaced, with an admin and a reviewer token, and the git a hostile candidate runs.

``server`` gives a ``Server``: uvicorn on a loopback socket (SQLite), word-frequency
registered without Docker, ``now`` the clock deadlines read (starting at ``T0``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.main import create_app
from grader.config import PROJECT_ROOT
from grader.hosting import deadlines
from grader.store import hosted
from grader.store.db import session_scope
from grader.store.models import SubmissionRow
from tests.api.conftest import (
    WORD_FREQUENCY,
    LiveServer,
    bearer,
    candidate_git,
    create_token,
    register_without_docker,
    settings_for,
    with_credentials,
)
from tests.support.asgi import loopback_socket, serving

T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
EXTERNAL = "https://github.com/ada/word-frequency"
SOLUTION = WORD_FREQUENCY / "solution" / "wordfreq.py"
RATE_LIMITER = PROJECT_ROOT / "challenges" / "rate-limiter-js"


@dataclass
class Server:
    live: LiveServer
    admin: str
    reviewer: str
    now: list[datetime]

    @property
    def settings(self) -> Any:
        return self.live.settings

    def invite(self, email: str = "ada@example.com", **terms: str) -> dict[str, Any]:
        body = {"challenge": "word-frequency", "candidate": email, **terms}
        answer = self.api("POST", "/api/invitations", self.admin, json=body)
        assert answer.status_code == 201, answer.text
        created: dict[str, Any] = answer.json()
        return created

    def api(self, method: str, path: str, token: str | None, **kwargs: Any) -> httpx.Response:
        headers = bearer(token) if token else {}
        return httpx.request(method, self.live.url + path, headers=headers, **kwargs)

    def submit(self, token: str, repo_url: str, challenge: str = "word-frequency") -> Any:
        body = {"challenge": challenge, "repo": repo_url, "ref": "main"}
        return self.api("POST", "/api/submissions", token, json=body)

    def rows(self) -> list[SubmissionRow]:
        with session_scope(self.settings.effective_database_url) as session:
            return list(session.scalars(select(SubmissionRow)))

    def graded_submission(self, invitation_id: str) -> str | None:
        with session_scope(self.settings.effective_database_url) as session:
            invitation = hosted.get_invitation(session, invitation_id)
            assert invitation is not None
            chosen = hosted.graded_submission(session, invitation)
            return None if chosen is None else chosen.id

    def page_session(self, token: str) -> httpx.Client:
        """A browser of the candidate page, signed in with ``token``."""
        browser = httpx.Client(base_url=self.live.url, follow_redirects=False)
        signed = browser.post("/candidate/login", data={"token": token})
        assert signed.status_code == 303, signed.text
        return browser


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    sock, url = loopback_socket()
    settings = settings_for(tmp_path / "data", public_url=url)
    register_without_docker(settings)
    now = [T0]
    monkeypatch.setattr(deadlines, "clock", lambda: now[0])
    with serving(create_app(settings), sock, lifespan="off", timeout_s=10):
        admin = create_token(settings, "admin")
        yield Server(LiveServer(url, settings), admin, create_token(settings, "reviewer"), now)


def clone(created: dict[str, Any], dest: Path, token: str | None = None) -> Any:
    url = with_credentials(created["clone_url"], token or created["token"])
    return candidate_git(dest.parent, "clone", url, dest.name)


def commit(work: Path, name: str = "wordfreq.py", text: str = "") -> None:
    if name == "wordfreq.py" and not text:
        shutil.copy(SOLUTION, work / name)
    else:
        (work / name).write_text(text or f"{name}\n")
    assert candidate_git(work, "add", "-A").returncode == 0
    assert candidate_git(work, "commit", "-q", "-m", f"Change {name}").returncode == 0
