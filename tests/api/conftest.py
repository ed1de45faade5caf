"""Shared fixtures for the API tests: an app on a private data folder, tokens, a challenge.

- ``api_settings``: settings on a temporary data folder with a migrated SQLite
  database. Redis points at a closed port, so a submission stays ``queued`` in
  the database (what API tests look at) and no job reaches a shared queue.
- ``client``: a TestClient on ``create_app(api_settings)``.
- ``tokens``: one secret per role (the candidate's has no invitation).
- ``word_frequency``: the challenge registered without Docker (no image, no
  test inventory); enough to invite, submit and list.
- ``prepared_word_frequency_id`` (Docker): registered as the server does,
  prepared with its image and test inventory, so a grading can run.
- ``live_server``: the app served by uvicorn on a free port, for real clients
  (plain ``git``); its settings' ``public_url`` is that address.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.main import create_app
from grader.catalogue import register, register_challenge
from grader.challenge import load_challenge
from grader.config import PROJECT_ROOT, Settings, get_settings
from grader.store import repo
from grader.store.db import migrate, session_scope
from tests.support.asgi import loopback_socket, serving
from tests.support.git import CANDIDATE, ISOLATED, git_env

WORD_FREQUENCY = PROJECT_ROOT / "challenges" / "word-frequency"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # port 1: refused at once, nothing is queued
CANDIDATE_GIT_ENV = {**ISOLATED, **CANDIDATE, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": ""}


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def settings_for(data_dir: Path, public_url: str = "http://testserver") -> Settings:
    settings = get_settings().model_copy(
        update={"data_dir": data_dir, "public_url": public_url, "redis_url": UNREACHABLE_REDIS}
    )
    migrate(settings.effective_database_url)
    return settings


@pytest.fixture
def api_settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path / "data")


@pytest.fixture
def app(api_settings: Settings) -> FastAPI:
    return create_app(api_settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def create_token(settings: Settings, role: str, email: str | None = None) -> str:
    with session_scope(settings.effective_database_url) as session:
        secret, _row = repo.create_token(session, role, f"test {role}", candidate_email=email)
    return secret


@pytest.fixture
def tokens(api_settings: Settings) -> dict[str, str]:
    return {
        "admin": create_token(api_settings, "admin"),
        "reviewer": create_token(api_settings, "reviewer"),
        "candidate": create_token(api_settings, "candidate", "nobody@example.com"),
    }


def register_without_docker(settings: Settings, folder: Path = WORD_FREQUENCY) -> str:
    """A challenge row as `grader serve` would write it, minus the image and test inventory."""
    challenge = load_challenge(folder)
    register_challenge(settings.effective_database_url, challenge, str(folder), 0)
    return challenge.id


@pytest.fixture
def word_frequency(api_settings: Settings) -> str:
    return register_without_docker(api_settings)


@pytest.fixture
def prepared_word_frequency_id(api_settings: Settings, prepared_word_frequency: object) -> str:
    """Docker: word-frequency prepared (image, test inventory) and registered."""
    register(api_settings, prepared_word_frequency, str(WORD_FREQUENCY))  # type: ignore[arg-type]
    return "word-frequency"


# -- a real server, for real clients --------------------------------------------------------
@dataclass(frozen=True)
class LiveServer:
    url: str
    settings: Settings


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """uvicorn in a thread on a socket bound before the app exists (no port race)."""
    sock, url = loopback_socket()
    settings = settings_for(tmp_path / "data", public_url=url)
    with serving(create_app(settings), sock, lifespan="off", timeout_s=10):
        yield LiveServer(url, settings)


def candidate_git(
    cwd: Path, *args: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Plain git as a candidate runs it (no global config, no prompts); never raises."""
    return subprocess.run(
        ["git", "-c", "credential.helper=", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env=git_env({**CANDIDATE_GIT_ENV, **(env or {})}),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def with_credentials(clone_url: str, secret: str, user: str = "candidate") -> str:
    """The clone URL with basic-auth credentials in it, as a candidate pastes it."""
    scheme, rest = clone_url.split("://", 1)
    return f"{scheme}://{user}:{secret}@{rest}"
