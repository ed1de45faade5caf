"""Repository URLs given to POST /api/submissions: checked before anything is queued.

Attacks on git's transports and options, local paths and file submodules are refused
with a 4xx and leave no row, no audit entry and no file; a hosted repository's clone
URL is accepted."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from grader.config import Settings
from grader.hosting import invitations
from grader.store.db import session_scope
from grader.store.models import AuditRow
from tests.api.conftest import bearer, candidate_git

# -- URLs given to POST /api/submissions -----------------------------------------------------
MARKER = Path("/tmp/grader-api-url-attack")


@pytest.mark.parametrize(
    "url",
    [
        f"ext::sh -c touch% {MARKER}",
        f"fd::17,{MARKER}",
        f"--upload-pack=touch {MARKER}",
        f"-u touch {MARKER}",
        "file:///etc",
        "/tmp/no-such-repository",
        "ssh://git@github.com/ada/word-frequency.git",
        "git@github.com:ada/word-frequency.git",
        "git://github.com/ada/word-frequency.git",
        "http://github.com/ada/word-frequency.git",
        "https://",
        "https://github.com/ada/wf.git\n--upload-pack=touch",
        "http://testserver/git/00000000-0000-4000-8000-000000000000.git",
        "http://testserver/git/../../etc/passwd",
        "http://testserver/git/",
    ],
)
def test_url_attacks_are_refused_at_submission_and_leave_no_trace(
    client: TestClient,
    tokens: dict[str, str],
    word_frequency: str,
    api_settings: Settings,
    url: str,
) -> None:
    body = {"challenge": word_frequency, "repo": url}

    response = client.post("/api/submissions", json=body, headers=bearer(tokens["admin"]))

    assert 400 <= response.status_code < 500, response.text
    assert response.json()["detail"]
    assert client.get("/api/submissions", headers=bearer(tokens["admin"])).json() == []
    assert not MARKER.exists()
    with session_scope(api_settings.effective_database_url) as session:
        assert session.scalars(select(AuditRow)).all() == []


def test_a_local_repository_with_a_file_submodule_is_refused_at_submission(
    client: TestClient, tokens: dict[str, str], word_frequency: str, tmp_path: Path
) -> None:
    inner, outer = tmp_path / "inner", tmp_path / "outer"
    for folder in (inner, outer):
        folder.mkdir()
        candidate_git(folder, "init", "-q")
        candidate_git(folder, "commit", "-q", "--allow-empty", "-m", "Start")
    added = candidate_git(
        outer, "-c", "protocol.file.allow=always", "submodule", "add", f"file://{inner}", "sub"
    )
    assert added.returncode == 0, added.stderr
    candidate_git(outer, "commit", "-q", "-m", "Add a submodule")

    for url in (str(outer), f"file://{outer}"):
        body = {"challenge": word_frequency, "repo": url}
        response = client.post("/api/submissions", json=body, headers=bearer(tokens["admin"]))
        assert response.status_code == 400
        assert "local paths are not allowed" in response.json()["detail"]
    assert client.get("/api/submissions", headers=bearer(tokens["admin"])).json() == []


def test_a_hosted_repository_url_is_accepted_at_submission(
    client: TestClient, tokens: dict[str, str], word_frequency: str, api_settings: Settings
) -> None:
    created = invitations.invite(api_settings, word_frequency, "ada@example.com", actor="test")
    body = {"challenge": word_frequency, "repo": created["clone_url"]}

    response = client.post("/api/submissions", json=body, headers=bearer(created["token"]))

    assert response.status_code == 202, response.text
