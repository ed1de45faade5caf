"""The server-side commands as an operator runs them: token create, challenge add, invite,
and the URL a server announces."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.cli.server import listening_url
from tests.conftest import WORD_FREQUENCY


def grader(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GRADER_DATA_DIR": str(data_dir), "GRADER_DATABASE_URL": ""}
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_token_create_prints_the_token_alone(tmp_path: Path) -> None:
    done = grader(tmp_path, "token", "create", "--role", "reviewer", "--name", "hiring team")
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    assert token.startswith("grd_") and "\n" not in token and len(token) > 30
    database = (tmp_path / "grader.db").read_bytes()
    assert token.encode() not in database  # only its hash is stored


def test_token_create_refuses_an_unknown_role(tmp_path: Path) -> None:
    done = grader(tmp_path, "token", "create", "--role", "owner")
    assert done.returncode == 2 and "unknown role 'owner'" in done.stderr


def test_a_worker_token_is_created_and_a_worker_without_one_refuses_to_start(
    tmp_path: Path,
) -> None:
    done = grader(tmp_path, "token", "create", "--role", "worker", "--name", "worker-host-3")
    assert done.returncode == 0 and done.stdout.startswith("grd_"), done.stderr
    env = {**os.environ, "GRADER_SERVER_URL": "http://grader.internal:8000"}
    env.pop("GRADER_WORKER_TOKEN", None)
    started = subprocess.run(
        [sys.executable, "-m", "grader.cli", "worker", "--burst"],
        capture_output=True,
        text=True,
        env={**env, "GRADER_DATA_DIR": str(tmp_path), "GRADER_DATABASE_URL": ""},
        timeout=60,
    )
    assert started.returncode == 1
    assert started.stderr == "grader: GRADER_SERVER_URL is set but GRADER_WORKER_TOKEN is not\n"


def test_invite_for_an_unknown_challenge_is_bad_input(tmp_path: Path) -> None:
    done = grader(tmp_path, "invite", "--challenge", "nope", "--candidate", "a@example.com")
    assert done.returncode == 2 and "unknown challenge 'nope'" in done.stderr


@pytest.mark.docker
def test_challenge_add_then_invite(tmp_path: Path) -> None:
    added = grader(tmp_path, "challenge", "add", str(WORD_FREQUENCY))
    assert added.returncode == 0, added.stdout + added.stderr
    assert "added word-frequency" in added.stdout
    invited = grader(
        tmp_path, "invite", "--challenge", "word-frequency", "--candidate", "ann@example.com"
    )
    assert invited.returncode == 0, invited.stderr
    answer = json.loads(invited.stdout)
    assert answer["clone_url"].endswith(f"/git/{answer['id']}.git")
    assert answer["token"].startswith("grd_")
    seeded = subprocess.run(
        [
            "git",
            "-C",
            str(tmp_path / "repos" / f"{answer['id']}.git"),
            "ls-tree",
            "--name-only",
            "main",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert set(seeded.stdout.split()) == {".gitignore", "README.md", "STATEMENT.md", "wordfreq.py"}


@pytest.mark.docker
def test_challenge_add_refuses_an_invalid_challenge(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(WORD_FREQUENCY, broken, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(broken / "solution" / "wordfreq.py", broken / "starter" / "wordfreq.py")
    done = grader(tmp_path / "data", "challenge", "add", str(broken))
    assert done.returncode == 1
    assert "invalid: starter/: scores 100 on every skill" in done.stdout


def test_challenge_add_of_a_missing_path_is_bad_input(tmp_path: Path) -> None:
    done = grader(tmp_path, "challenge", "add", str(tmp_path / "nowhere"))
    assert done.returncode == 2 and "challenge not found" in done.stderr


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 18766, "http://127.0.0.1:18766"),
        ("0.0.0.0", 8000, "http://127.0.0.1:8000"),
        ("::", 9000, "http://[::1]:9000"),
        ("::1", 9001, "http://[::1]:9001"),
        ("grader.example.com", 80, "http://grader.example.com:80"),
    ],
)
def test_the_public_url_follows_the_address_the_server_listens_on(
    host: str, port: int, url: str
) -> None:
    assert listening_url(host, port) == url
