"""Every route a candidate can reach, under each feedback policy: no hidden test leaks.

The routes are enumerated from the app itself, so a route added later is
covered without touching this file. Each is called as a candidate can call
it: with the candidate token as a bearer token, as git's basic-auth password,
and with the candidate page's session cookie. No response body may hold a
hidden test's name or message, the test output, a note, a tripwire's name or
an error's text (tests/api/feedback_fixtures.py plants them all in the report).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Route

from api.main import create_app
from grader.config import Settings
from grader.hosting import invitations
from grader.store import repo
from grader.store.db import session_scope
from tests.api.conftest import bearer, create_token, settings_for
from tests.api.feedback_fixtures import (
    HIDDEN_SECRETS,
    OVERALL,
    VISIBLE,
    register_policy,
    store_report,
)

POLICIES = ("none", "summary", "visible")


@dataclass
class Round:
    client: TestClient
    settings: Settings
    token: str
    invitation: str
    challenge: str
    graded: str
    failed: str
    policy: str

    def sign_in(self) -> None:
        self.client.cookies.clear()
        answer = self.client.post(
            "/candidate/login", data={"token": self.token}, follow_redirects=False
        )
        assert answer.status_code == 303, answer.text


@pytest.fixture(params=POLICIES)
def round_(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Round]:
    settings = settings_for(tmp_path / "data")
    challenge = register_policy(settings, tmp_path, request.param)
    invited = invitations.invite(settings, challenge, "ada@example.com", actor="test")
    ids = []
    with session_scope(settings.effective_database_url) as session:
        challenge_row = repo.get_challenge(session, challenge)
        assert challenge_row is not None
        for _ in range(2):
            row = repo.create_submission(
                session,
                challenge=challenge_row,
                repo=invited["clone_url"],
                ref="main",
                commit="a" * 40,
                candidate_email="ada@example.com",
                invitation_id=invited["id"],
            )
            ids.append(row.id)
    store_report(settings, ids[0])
    with session_scope(settings.effective_database_url) as session:
        repo.fail(session, ids[1], "SECRET-NOTE: the error's text, for reviewers")
    with TestClient(create_app(settings)) as client:
        yield Round(
            client,
            settings,
            invited["token"],
            invited["id"],
            challenge,
            ids[0],
            ids[1],
            request.param,
        )


def candidate_requests(round_: Round) -> Iterator[tuple[str, str, dict[str, object]]]:
    """(method, url, request options) for every route of the app, each path filled in."""
    for template, methods in app_routes(round_.client.app.routes):  # type: ignore[attr-defined]
        for method in sorted(methods - {"HEAD"}):
            for path in _paths(template, round_):
                options: dict[str, object] = {"params": {"service": "git-upload-pack"}}
                if method == "POST":
                    options["data" if path.endswith("login") else "json"] = (
                        {"token": round_.token} if path.endswith("login") else {}
                    )
                yield method, path, options


def app_routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, set[str]]]:
    """(path, methods) of every endpoint, included routers' routes too (FastAPI includes
    them lazily, so ``app.routes`` alone does not list them)."""
    for route in routes:
        if isinstance(route, APIRoute | Route):
            yield prefix + route.path, set(route.methods or ())
        elif hasattr(route, "original_router"):
            nested = prefix + route.include_context.prefix
            yield from app_routes(route.original_router.routes, nested)


def _paths(template: str, round_: Round) -> list[str]:
    fills = {
        "submission_id": [round_.graded, round_.failed],
        "other": [round_.graded],
        "challenge_id": [round_.challenge],
        "name": [f"{round_.invitation}.git"],
        "host": ["github", "gitlab", "gitea"],
    }
    paths = [template]
    for param in re.findall(r"{(\w+)(?::\w+)?}", template):
        paths = [
            re.sub(rf"{{{param}(?::\w+)?}}", value, p, count=1)
            for p in paths
            for value in fills.get(param, ["x"])
        ]
    return paths


def credentials(round_: Round) -> dict[str, dict[str, str] | None]:
    basic = base64.b64encode(f"candidate:{round_.token}".encode()).decode()
    return {
        "bearer": bearer(round_.token),
        "basic": {"Authorization": f"Basic {basic}"},
        "cookie": None,  # the candidate page's session
    }


def test_no_route_shows_a_candidate_what_the_policy_hides(round_: Round) -> None:
    read: set[tuple[str, str, str]] = set()
    for method, url, options in candidate_requests(round_):
        for how, headers in credentials(round_).items():
            if headers is None:
                round_.sign_in()
            else:
                round_.client.cookies.clear()
            answer = round_.client.request(
                method, url, headers=headers, follow_redirects=False, **options
            )
            where = f"{method} {url} ({how})"
            assert answer.status_code != 500, f"{where}: {answer.text}"  # 503: Redis is off
            for secret in HIDDEN_SECRETS:
                assert secret not in answer.text, f"{where} shows {secret!r}"
            if answer.status_code == 200:
                read.add((method, url, how))
    assert read >= {  # what holds a grading was really read
        ("GET", f"/api/submissions/{round_.graded}", "bearer"),
        ("GET", f"/api/submissions/{round_.failed}", "bearer"),
        ("GET", "/api/me/submissions", "bearer"),
        ("GET", "/candidate", "cookie"),
        ("GET", f"/git/{round_.invitation}.git/info/refs", "basic"),
    }, sorted(read)


def test_the_policy_decides_what_the_api_and_the_page_show(round_: Round) -> None:
    policy = round_.policy
    answer = round_.client.get(f"/api/submissions/{round_.graded}", headers=bearer(round_.token))
    body = answer.json()
    assert body["feedback"]["policy"] == policy
    assert body["overall"] == (None if policy == "none" else OVERALL)
    assert body["history"] is None and body["error"] is None
    shown = [t["id"] for t in body["feedback"]["tests"] or []]
    assert shown == (list(VISIBLE) if policy == "visible" else [])
    mine = round_.client.get("/api/me/submissions", headers=bearer(round_.token)).json()
    assert [s["id"] for s in mine] == [round_.failed, round_.graded]
    assert mine[0]["status"] == "error" and mine[0]["feedback"]["overall"] is None
    round_.sign_in()
    page = round_.client.get("/candidate")
    assert page.status_code == 200
    assert (f"{OVERALL:.1f}" in page.text) is (policy != "none")
    assert (VISIBLE[0] in page.text) is (policy == "visible")
    assert "could not be graded" in page.text


def test_the_candidate_page_and_the_reviewer_pages_keep_their_sessions_apart(
    round_: Round,
) -> None:
    reviewer = create_token(round_.settings, "reviewer")
    refused = round_.client.post("/candidate/login", data={"token": reviewer})
    assert refused.status_code == 403
    assert "set-cookie" not in refused.headers
    round_.sign_in()
    assert round_.client.get("/", follow_redirects=False).status_code == 303  # to /login
    round_.client.cookies.clear()
    assert (
        round_.client.post("/login", data={"token": reviewer}, follow_redirects=False).status_code
        == 303
    )
    assert round_.client.get("/candidate", follow_redirects=False).status_code == 303
    assert round_.client.get("/api/me/submissions", headers=bearer(reviewer)).status_code == 403
