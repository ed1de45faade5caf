"""Who may do what: every token-protected endpoint x every role, and no token at all.

Expected: a role the endpoint allows gets its 2xx; another role gets 403; no
token, a malformed header or an unknown token gets 401. Every route that takes
a bearer token must be in MATRIX (a test checks it), so a new endpoint cannot
slip through untested. Candidates never see hidden test names, sources or
output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from api.deps import bearer
from tests.api.pages_fixtures import CHALLENGE, World, reports, world

__all__ = ["reports", "world"]

ALL = ("admin", "reviewer", "candidate")
STAFF = ("admin", "reviewer")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # {graded} and {challenge} are filled in from the world
    allowed: tuple[str, ...]
    success: int = 200
    body: dict[str, Any] | None = field(default=None, hash=False)

    @property
    def route(self) -> str:
        return self.path.replace("{graded}", "{submission_id}").replace(
            "{challenge}", "{challenge_id}"
        )

    def url(self, world: World) -> str:
        return self.path.format(graded=world.submissions["ada"], challenge=CHALLENGE)

    def json(self, world: World) -> dict[str, Any] | None:
        if self.body is None:
            return None
        return {k: (world.own_repo if v == "{own_repo}" else v) for k, v in self.body.items()}


MATRIX = (
    Endpoint("GET", "/api/challenges", ALL),
    Endpoint("GET", "/api/submissions", STAFF),
    Endpoint(
        "POST",
        "/api/submissions",
        ("admin", "candidate"),
        202,
        {"challenge": CHALLENGE, "repo": "{own_repo}", "ref": "main"},
    ),
    Endpoint("GET", "/api/submissions/{graded}", ALL),  # the candidate owns it
    Endpoint("GET", "/api/submissions/{graded}/report", STAFF),
    Endpoint("GET", "/api/submissions/{graded}/similar", STAFF),
    Endpoint("GET", "/api/challenges/{challenge}/results.csv", STAFF),
    Endpoint("GET", "/api/challenges/{challenge}/results.json", STAFF),
    Endpoint("GET", "/api/challenges/{challenge}/similarity", STAFF),
    Endpoint("GET", "/api/webhook-deliveries", ("admin",)),
    Endpoint("GET", "/api/invitations", ("admin",)),
    Endpoint(
        "POST",
        "/api/invitations",
        ("admin",),
        201,
        {"challenge": CHALLENGE, "candidate": "new@example.com"},
    ),
)


def token_routes(world: World) -> set[tuple[str, str]]:
    """(method, path) of every operation the OpenAPI schema says takes the bearer token."""
    schema = world.app.openapi()
    scheme = bearer.scheme_name
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if any(scheme in requirement for requirement in operation.get("security", []))
    }


def present(world: World) -> list[Endpoint]:
    routes = token_routes(world)
    return [e for e in MATRIX if (e.method, e.route) in routes]


def test_every_token_route_is_in_the_matrix(world: World) -> None:
    listed = {(e.method, e.route) for e in MATRIX}
    missing = token_routes(world) - listed
    assert not missing, f"add these endpoints to MATRIX in {__file__}: {sorted(missing)}"


CASES = [(e, role) for e in MATRIX for role in (*ALL, None)]


@pytest.mark.parametrize(
    ("endpoint", "role"),
    CASES,
    ids=[f"{e.method} {e.path} as {role or 'nobody'}" for e, role in CASES],
)
def test_role_matrix(world: World, endpoint: Endpoint, role: str | None) -> None:
    if endpoint not in present(world):
        pytest.skip(f"{endpoint.method} {endpoint.path} is not served by this app (yet)")
    response = world.client.request(
        endpoint.method,
        endpoint.url(world),
        headers=world.auth(role),
        json=endpoint.json(world),
    )
    expected = 401 if role is None else endpoint.success if role in endpoint.allowed else 403
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["detail"]


@pytest.mark.parametrize(
    "header",
    ["Bearer grd_not-a-real-token", "Basic YWRtaW46YWRtaW4=", "Bearer", "grd_x", ""],
)
def test_a_bad_or_unknown_token_is_401(world: World, header: str) -> None:
    response = world.client.get("/api/challenges", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_candidate_sees_only_the_status_of_their_own_submission(world: World) -> None:
    own = world.client.get(
        f"/api/submissions/{world.submissions['ada']}", headers=world.auth("candidate")
    )
    assert own.status_code == 200
    body = own.json()
    assert body["status"] == "graded"
    assert body.get("tests") is None and body.get("history") is None and body["error"] is None
    report = world.reports["ada"]["report"]
    for test in report["tests"]:
        assert test["id"] not in own.text
        assert test["id"].split("::")[-1] not in own.text
        if test["message"]:
            assert test["message"][:40] not in own.text
    assert report["output"]["head"][:40] not in own.text
    assert "hidden/" not in own.text
    other = world.client.get(
        f"/api/submissions/{world.submissions['bob']}", headers=world.auth("candidate")
    )
    assert other.status_code == 404  # another candidate's submission is not even confirmed


def test_candidates_get_no_report_results_or_deliveries(world: World) -> None:
    for path in (
        f"/api/submissions/{world.submissions['ada']}/report",
        f"/api/challenges/{CHALLENGE}/results.json",
        f"/api/challenges/{CHALLENGE}/results.csv",
        "/api/webhook-deliveries",
    ):
        response = world.client.get(path, headers=world.auth("candidate"))
        assert response.status_code == 403, path
        assert "hidden/" not in response.text


def test_a_candidate_may_not_submit_someone_elses_repository(world: World) -> None:
    response = world.client.post(
        "/api/submissions",
        headers=world.auth("candidate"),
        json={"challenge": CHALLENGE, "repo": "https://example.com/bob/word-frequency.git"},
    )
    assert response.status_code == 403


def test_a_candidate_cannot_sign_in_to_the_pages(world: World) -> None:
    response = world.client.post(
        "/login", data={"token": world.tokens["candidate"]}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("reviewer", 403)])
def test_only_an_admin_opens_the_operations_page(world: World, role: str, status: int) -> None:
    """A page, so a session cookie rather than a bearer token: reviewers are refused."""
    world.client.cookies.clear()
    world.sign_in(role)
    response = world.client.get("/operations")
    world.client.cookies.clear()
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert ("Workers" in response.text) is (role == "admin")
