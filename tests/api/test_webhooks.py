"""Webhooks from GitHub, GitLab and Gitea: signed pushes queue gradings, nothing else does.

The payloads in payloads/ follow each host's documented push format.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from grader.config import Settings
from grader.hosting import deadlines, pushes
from grader.store.db import session_scope
from grader.store.models import PushRow, SubmissionRow
from tests.api.conftest import bearer

PAYLOADS = Path(__file__).parent / "payloads"


def _hmac(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class HostCase:
    name: str
    external_repo: str  # what the admin registers: the payload's https clone URL
    event_header: str
    push_event: str
    signature: Callable[[bytes, str], dict[str, str]]

    def payload(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((PAYLOADS / f"{self.name}_push.json").read_text())
        return loaded

    def headers(self, body: bytes, secret: str, event: str | None = None) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            self.event_header: event or self.push_event,
            **self.signature(body, secret),
        }


HOSTS = {
    "github": HostCase(
        "github",
        "https://github.com/ada-lovelace/word-frequency.git",
        "X-GitHub-Event",
        "push",
        lambda body, secret: {"X-Hub-Signature-256": f"sha256={_hmac(secret, body)}"},
    ),
    "gitlab": HostCase(
        "gitlab",
        "https://gitlab.com/ada-lovelace/word-frequency.git",
        "X-Gitlab-Event",
        "Push Hook",
        lambda _body, secret: {"X-Gitlab-Token": secret},
    ),
    "gitea": HostCase(
        "gitea",
        "https://gitea.example.com/ada-lovelace/word-frequency.git",
        "X-Gitea-Event",
        "push",
        lambda body, secret: {"X-Gitea-Signature": _hmac(secret, body)},
    ),
}


@dataclass(frozen=True)
class External:
    host: HostCase
    invitation: dict[str, str]

    @property
    def secret(self) -> str:
        return self.invitation["webhook_secret"]


def invite(client: TestClient, admin: str, url: str, email: str = "ada@example.com") -> Any:
    body = {"challenge": "word-frequency", "candidate": email, "external_repo": url}
    response = client.post("/api/invitations", json=body, headers=bearer(admin))
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(params=sorted(HOSTS))
def external(
    request: pytest.FixtureRequest, client: TestClient, tokens: dict[str, str], word_frequency: str
) -> External:
    host = HOSTS[request.param]
    return External(host, invite(client, tokens["admin"], host.external_repo))


def deliver(
    client: TestClient, external: External, payload: dict[str, Any], **overrides: str
) -> Any:
    body = json.dumps(payload).encode()
    headers = external.host.headers(body, external.secret)
    headers.update(overrides)
    return client.post(f"/api/webhooks/{external.host.name}", content=body, headers=headers)


def queued(settings: Settings) -> tuple[list[SubmissionRow], list[PushRow]]:
    with session_scope(settings.effective_database_url) as session:
        return (
            list(session.scalars(select(SubmissionRow))),
            list(session.scalars(select(PushRow))),
        )


def test_a_signed_push_to_the_default_branch_queues_its_commit(
    client: TestClient, external: External, api_settings: Settings
) -> None:
    payload = external.host.payload()

    response = deliver(client, external, payload)

    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    [submission], [push] = queued(api_settings)
    assert response.json()["submission"] == submission.id
    assert submission.commit == payload["after"]
    assert submission.repo == external.host.external_repo
    assert submission.invitation_id == external.invitation["id"]
    assert submission.candidate_email == "ada@example.com"
    assert (push.ref, push.old_commit, push.new_commit) == (
        "refs/heads/main",
        payload["before"],
        payload["after"],
    )
    assert push.commits == [c["id"] for c in payload["commits"]]


@pytest.mark.parametrize("forge", ["missing", "wrong secret", "another invitation's secret"])
def test_a_bad_signature_is_401_and_queues_nothing(
    client: TestClient,
    external: External,
    api_settings: Settings,
    tokens: dict[str, str],
    forge: str,
) -> None:
    body = json.dumps(external.host.payload()).encode()
    if forge == "missing":
        headers = {external.host.event_header: external.host.push_event}
    elif forge == "wrong secret":
        headers = external.host.headers(body, "not-the-secret")
    else:
        other = invite(client, tokens["admin"], "https://github.com/bob/wf.git", "bob@x.org")
        headers = external.host.headers(body, other["webhook_secret"])

    response = client.post(f"/api/webhooks/{external.host.name}", content=body, headers=headers)

    assert response.status_code == 401
    assert queued(api_settings) == ([], [])


@pytest.mark.parametrize("name", ["github", "gitea"])  # GitLab sends a token, not a signature
def test_a_tampered_body_fails_an_hmac_signature(
    client: TestClient,
    tokens: dict[str, str],
    word_frequency: str,
    api_settings: Settings,
    name: str,
) -> None:
    host = HOSTS[name]
    external = External(host, invite(client, tokens["admin"], host.external_repo))
    payload = host.payload()
    headers = host.headers(json.dumps(payload).encode(), external.secret)
    payload["after"] = "f" * 40

    url = f"/api/webhooks/{name}"
    response = client.post(url, content=json.dumps(payload).encode(), headers=headers)

    assert response.status_code == 401
    assert queued(api_settings) == ([], [])


def test_events_other_than_pushes_are_acknowledged_and_ignored(
    client: TestClient, external: External, api_settings: Settings
) -> None:
    event = {"github": "issues", "gitlab": "Tag Push Hook", "gitea": "create"}[external.host.name]
    response = deliver(
        client, external, external.host.payload(), **{external.host.event_header: event}
    )

    assert response.status_code == 200
    assert response.json()["status"] == "ignored" and event in response.json()["note"]
    assert queued(api_settings) == ([], [])


@pytest.mark.parametrize(
    ("change", "note"),
    [
        ({"after": "0" * 40, "deleted": True}, "deleted"),
        ({"ref": "refs/heads/feature"}, "not the default branch"),
        ({"ref": "refs/tags/v1.0"}, "not the default branch"),
    ],
)
def test_deletions_and_other_branches_are_ignored(
    client: TestClient,
    external: External,
    api_settings: Settings,
    change: dict[str, Any],
    note: str,
) -> None:
    response = deliver(client, external, {**external.host.payload(), **change})

    assert response.status_code == 200
    assert response.json()["status"] == "ignored" and note in response.json()["note"]
    assert queued(api_settings) == ([], [])


def test_a_repository_with_no_invitation_is_404(
    client: TestClient, external: External, api_settings: Settings
) -> None:
    payload = json.loads(
        json.dumps(external.host.payload()).replace("ada-lovelace", "someone-else")
    )
    response = deliver(client, external, payload)
    assert response.status_code == 404
    assert queued(api_settings) == ([], [])


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe", b""])
def test_a_body_that_is_not_a_json_object_is_400(
    client: TestClient, external: External, body: bytes
) -> None:
    headers = external.host.headers(body, external.secret)
    response = client.post(f"/api/webhooks/{external.host.name}", content=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_a_signed_push_whose_after_is_not_a_commit_is_400(
    client: TestClient, external: External, api_settings: Settings
) -> None:
    response = deliver(client, external, {**external.host.payload(), "after": "HEAD; rm -rf /"})
    assert response.status_code == 400
    assert queued(api_settings) == ([], [])


def test_an_unknown_host_is_rejected(client: TestClient) -> None:
    assert client.post("/api/webhooks/bitbucket", json={}).status_code == 422


# -- GitHub specifics -----------------------------------------------------------------------
@pytest.fixture
def github(client: TestClient, tokens: dict[str, str], word_frequency: str) -> External:
    host = HOSTS["github"]
    return External(host, invite(client, tokens["admin"], host.external_repo))


def test_github_ping_is_acknowledged(
    client: TestClient, github: External, api_settings: Settings
) -> None:
    body = (PAYLOADS / "github_ping.json").read_bytes()
    headers = github.host.headers(body, github.secret, event="ping")
    response = client.post("/api/webhooks/github", content=body, headers=headers)
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    assert queued(api_settings) == ([], [])


def test_github_form_encoded_payloads_are_read(
    client: TestClient, github: External, api_settings: Settings
) -> None:
    body = urlencode({"payload": json.dumps(github.host.payload())}).encode()
    headers = github.host.headers(body, github.secret)
    headers["Content-Type"] = "application/x-www-form-urlencoded"

    response = client.post("/api/webhooks/github", content=body, headers=headers)

    assert response.status_code == 202, response.text
    assert len(queued(api_settings)[0]) == 1


def test_the_repository_may_be_registered_by_its_page_url(
    client: TestClient, tokens: dict[str, str], word_frequency: str, api_settings: Settings
) -> None:
    host = HOSTS["github"]
    page = host.external_repo.removesuffix(".git")
    external = External(host, invite(client, tokens["admin"], page))

    response = deliver(client, external, host.payload())

    assert response.status_code == 202
    [submission], _pushes = queued(api_settings)
    assert submission.repo == page


def test_a_forced_github_push_is_recorded_as_forced(
    client: TestClient, github: External, api_settings: Settings
) -> None:
    response = deliver(client, github, {**github.host.payload(), "forced": True})
    assert response.status_code == 202
    [_submission], [push] = queued(api_settings)
    assert push.forced


def test_webhook_pushes_count_against_the_push_limit(
    client: TestClient, github: External, api_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api_settings, "max_pushes_per_hour", 1)
    assert deliver(client, github, github.host.payload()).status_code == 202

    again = deliver(client, github, {**github.host.payload(), "after": "e" * 40})

    assert again.status_code == 429 and "push limit reached" in again.json()["detail"]
    assert len(queued(api_settings)[0]) == 1


@pytest.mark.parametrize("late", ["refuse", "accept-late"])
def test_a_push_told_after_the_deadline_follows_the_late_policy(
    client: TestClient,
    tokens: dict[str, str],
    word_frequency: str,
    api_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    late: str,
) -> None:
    host = HOSTS["github"]
    body = {
        "challenge": word_frequency,
        "candidate": "ada@example.com",
        "external_repo": host.external_repo,
        "due_at": "2030-01-01T09:00:00Z",
        "late": late,
    }
    created = client.post("/api/invitations", json=body, headers=bearer(tokens["admin"])).json()
    monkeypatch.setattr(deadlines, "clock", lambda: datetime(2030, 1, 1, 9, 0, 1, tzinfo=UTC))

    response = deliver(client, External(host, created), host.payload())

    submissions, pushes = queued(api_settings)
    if late == "refuse":
        assert response.status_code == 400
        assert "the deadline passed at 2030-01-01T09:00:00Z" in response.json()["detail"]
        assert submissions == [] and pushes == []
    else:
        assert response.status_code == 202, response.text
        assert [s.late for s in submissions] == [True] and [p.late for p in pushes] == [True]


def test_a_push_told_for_a_revoked_invitation_is_refused(
    client: TestClient, external: External, tokens: dict[str, str], api_settings: Settings
) -> None:
    path = f"/api/invitations/{external.invitation['id']}/revoke"
    assert client.post(path, headers=bearer(tokens["admin"])).status_code == 200

    response = deliver(client, external, external.host.payload())

    assert response.status_code == 400
    assert "this invitation was revoked" in response.json()["detail"]
    assert queued(api_settings) == ([], [])


def test_a_push_past_the_gradings_limit_is_answered_held(
    client: TestClient,
    external: External,
    api_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stored and not graded (grader/candidate_feedback.py decides): the answer says so
    instead of "queued"."""
    reason = "not graded: this challenge grades at most 1 push(es) per candidate"
    monkeypatch.setattr(pushes.candidate_feedback, "hold_if_over_limit", lambda *_: reason)

    response = deliver(client, external, external.host.payload())

    assert response.status_code == 202, response.text
    assert response.json()["status"] == "held" and response.json()["note"] == reason
    [submission], _ = queued(api_settings)
    assert response.json()["submission"] == submission.id
