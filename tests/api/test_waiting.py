"""`?wait=` on a submission and its report: long polling until the grading is stored."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from grader import announce
from grader.config import Settings
from grader.store import repo
from grader.store.db import session_scope
from tests.api.conftest import bearer


def submit(client: TestClient, tokens: dict[str, str], challenge: str) -> str:
    body = {"challenge": challenge, "repo": "https://example.com/ada/solution.git", "ref": "main"}
    response = client.post("/api/submissions", json=body, headers=bearer(tokens["admin"]))
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def finish_later(settings: Settings, submission_id: str, after_s: float) -> threading.Thread:
    """What a worker does: store the final status, then announce it."""

    def finish() -> None:
        time.sleep(after_s)
        with session_scope(settings.effective_database_url) as session:
            repo.fail(session, submission_id, "cannot grade: the test says so")
        announce.announce(settings, submission_id)

    thread = threading.Thread(target=finish)
    thread.start()
    return thread


def test_without_wait_the_status_comes_at_once(
    client: TestClient, tokens: dict[str, str], word_frequency: str
) -> None:
    submission = submit(client, tokens, word_frequency)
    got = client.get(f"/api/submissions/{submission}", headers=bearer(tokens["admin"]))
    assert got.json()["status"] == "queued"
    report = client.get(f"/api/submissions/{submission}/report", headers=bearer(tokens["admin"]))
    assert report.status_code == 404


def test_wait_answers_once_the_status_is_final(
    client: TestClient,
    tokens: dict[str, str],
    word_frequency: str,
    api_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(announce, "RECHECK_S", 0.05)  # these tests' Redis is unreachable
    submission = submit(client, tokens, word_frequency)
    worker = finish_later(api_settings, submission, 0.5)
    got = client.get(f"/api/submissions/{submission}?wait=30", headers=bearer(tokens["admin"]))
    worker.join()
    assert got.status_code == 200 and got.json()["status"] == "error"


def test_wait_gives_up_at_its_limit(
    client: TestClient, tokens: dict[str, str], word_frequency: str
) -> None:
    submission = submit(client, tokens, word_frequency)
    got = client.get(f"/api/submissions/{submission}?wait=0.3", headers=bearer(tokens["admin"]))
    assert got.status_code == 200 and got.json()["status"] == "queued"
    report = client.get(
        f"/api/submissions/{submission}/report?wait=0.3", headers=bearer(tokens["admin"])
    )
    assert report.status_code == 404


@pytest.mark.parametrize("wait", ["-1", "61", "soon"])
def test_a_bad_wait_is_refused(
    client: TestClient, tokens: dict[str, str], word_frequency: str, wait: str
) -> None:
    submission = submit(client, tokens, word_frequency)
    got = client.get(f"/api/submissions/{submission}?wait={wait}", headers=bearer(tokens["admin"]))
    assert got.status_code == 422


def test_waiting_does_not_reveal_other_submissions(
    client: TestClient, tokens: dict[str, str]
) -> None:
    got = client.get("/api/submissions/nope/report?wait=5", headers=bearer(tokens["admin"]))
    assert got.status_code == 404
    got = client.get("/api/submissions/nope?wait=5", headers=bearer(tokens["admin"]))
    assert got.status_code == 404
