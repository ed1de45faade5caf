"""POST and GET /api/invitations: admin only, a seeded hosted repository, tokens shown once."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from grader import git
from grader.config import Settings
from grader.hosting import invitations, repositories
from grader.store import repo
from grader.store.db import session_scope
from tests.api.conftest import bearer

CANDIDATE = "ada@example.com"


def invite(client: TestClient, admin: str, **extra: str) -> dict[str, str]:
    body = {"challenge": "word-frequency", "candidate": CANDIDATE, **extra}  # extra may override
    response = client.post("/api/invitations", json=body, headers=bearer(admin))
    assert response.status_code == 201, response.text
    created: dict[str, str] = response.json()
    return created


def test_an_admin_invites_a_candidate_to_a_seeded_repository(
    client: TestClient, tokens: dict[str, str], word_frequency: str, api_settings: Settings
) -> None:
    created = invite(client, tokens["admin"])

    assert created["clone_url"] == f"http://testserver/git/{created['id']}.git"
    assert created["token"].startswith("grd_")
    assert created["candidate"] == CANDIDATE and created["challenge"] == word_frequency
    bare = repositories.repository_path(api_settings, created["id"])
    refs = git.list_refs(bare)
    assert list(refs) == ["refs/heads/main"]
    paths = {e.path for e in git.tree_entries(bare, refs["refs/heads/main"])}
    assert {"STATEMENT.md", "wordfreq.py"} <= paths
    with session_scope(api_settings.effective_database_url) as session:
        token = repo.token_for_secret(session, created["token"])
        assert token is not None and token.role == "candidate"
        assert token.candidate_email == CANDIDATE


@pytest.mark.parametrize("role", ["reviewer", "candidate"])
def test_only_an_admin_may_invite_and_only_staff_may_list(
    client: TestClient, tokens: dict[str, str], word_frequency: str, role: str
) -> None:
    body = {"challenge": word_frequency, "candidate": CANDIDATE}
    assert (
        client.post("/api/invitations", json=body, headers=bearer(tokens[role])).status_code == 403
    )
    assert client.post("/api/invitations", json=body).status_code == 401
    listed = client.get("/api/invitations", headers=bearer(tokens[role])).status_code
    assert listed == (200 if role == "reviewer" else 403)  # reviewers manage a round


def test_an_unknown_challenge_is_a_json_4xx_and_creates_nothing(
    client: TestClient, tokens: dict[str, str], api_settings: Settings
) -> None:
    body = {"challenge": "no-such-challenge", "candidate": CANDIDATE}
    response = client.post("/api/invitations", json=body, headers=bearer(tokens["admin"]))

    assert response.status_code in (400, 404)
    assert "no-such-challenge" in response.json()["detail"]
    assert client.get("/api/invitations", headers=bearer(tokens["admin"])).json() == []
    assert not any((api_settings.data_dir / "repos").glob("*.git"))


@pytest.mark.parametrize(
    "body",
    [
        {"challenge": "word-frequency", "candidate": "not-an-email"},
        {"challenge": "word-frequency", "candidate": "a b@example.com"},
        {"challenge": "word-frequency"},
        {"challenge": "word-frequency", "candidate": CANDIDATE, "role": "admin"},
    ],
)
def test_bad_input_is_422(
    client: TestClient, tokens: dict[str, str], word_frequency: str, body: dict[str, str]
) -> None:
    response = client.post("/api/invitations", json=body, headers=bearer(tokens["admin"]))
    assert response.status_code == 422
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "http://github.com/ada/word-frequency.git",
        "git@github.com:ada/word-frequency.git",
        "ext::sh -c touch% /tmp/pwned",
        "--upload-pack=touch /tmp/pwned",
        "file:///etc",
        "/srv/repositories/ada.git",
    ],
)
def test_an_external_repository_must_be_https(
    client: TestClient, tokens: dict[str, str], word_frequency: str, url: str
) -> None:
    body = {"challenge": word_frequency, "candidate": CANDIDATE, "external_repo": url}
    response = client.post("/api/invitations", json=body, headers=bearer(tokens["admin"]))
    assert response.status_code == 400, response.text
    assert client.get("/api/invitations", headers=bearer(tokens["admin"])).json() == []


def test_an_external_repository_gets_a_webhook_secret_and_belongs_to_one_invitation(
    client: TestClient, tokens: dict[str, str], word_frequency: str
) -> None:
    url = "https://github.com/ada/word-frequency.git"
    created = invite(client, tokens["admin"], external_repo=url)
    assert created["webhook_secret"] and len(created["webhook_secret"]) >= 32

    body = {"challenge": word_frequency, "candidate": "bob@example.com", "external_repo": url}
    again = client.post("/api/invitations", json=body, headers=bearer(tokens["admin"]))
    assert again.status_code == 400
    assert "another invitation" in again.json()["detail"]


def test_the_list_shows_invitations_but_never_a_secret(
    client: TestClient, tokens: dict[str, str], word_frequency: str
) -> None:
    first = invite(client, tokens["admin"])
    second = invite(
        client,
        tokens["admin"],
        candidate="bob@example.com",
        external_repo="https://gitlab.com/b/wf.git",
    )

    listed = client.get("/api/invitations", headers=bearer(tokens["admin"]))

    assert listed.status_code == 200
    rows = listed.json()
    assert {r["id"] for r in rows} == {first["id"], second["id"]}
    assert all(r["pushes"] == 0 and r["clone_url"].endswith(".git") for r in rows)
    text = listed.text
    for secret in (first["token"], second["token"], second["webhook_secret"]):
        assert secret not in text
    assert not any("token" in r or "webhook_secret" in r for r in rows)


def test_the_cli_still_invites(api_settings: Settings, word_frequency: str, tmp_path: Path) -> None:
    created = invitations.invite(api_settings, word_frequency, CANDIDATE, actor="cli")
    assert repositories.repository_path(api_settings, created["id"]).is_dir()
    assert "webhook_secret" not in created
