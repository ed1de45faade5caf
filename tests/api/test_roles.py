"""Who may do what: every token-protected endpoint x every role, and no token at all.

Roles: admin, reviewer, candidate and worker (a worker on another host: it
fetches repositories over git and challenge bundles, and reads nothing else).
Expected: a role the endpoint allows gets its 2xx; another role gets 403; no
token, a malformed header or an unknown token gets 401. Every route that takes
a bearer token must be in MATRIX (a test checks it), so a new endpoint cannot
slip through untested. Candidates never see hidden test names, sources or
output.
"""

from __future__ import annotations

import io
import tarfile
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from api.deps import bearer
from grader.hosting import invitations
from tests.api.pages_fixtures import CHALLENGE, World, reports, world
from tests.support.regrades import matrix_regrades

__all__ = ["reports", "world"]
VERSION = "v1"  # the version pages_fixtures registers

ALL = ("admin", "reviewer", "candidate")  # every person's role
ADA = "ada@example.com"
STAFF = ("admin", "reviewer")
ROLES = (*ALL, "worker")
UNKNOWN = "unknown@example.com"  # {candidate}: nobody the world knows, so it stays whole


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # {graded}, {challenge}, {candidate}, {version} from the world, {invitation} new
    allowed: tuple[str, ...]
    success: int = 200
    body: dict[str, Any] | None = field(default=None, hash=False)

    @property
    def route(self) -> str:
        route = (
            self.path.split("?", 1)[0]
            .replace("{graded}", "{submission_id}")
            .replace("{challenge}", "{challenge_id}")
            .replace("{candidate}", "{email}")
            .replace("{invitation}", "{invitation_id}")
        )
        for regrade in REGRADES:
            route = route.replace(regrade, "{regrade_id}")
        return route

    def url(self, world: World) -> str:
        graded = world.submissions["ada"]
        regrades = matrix_regrades(world.settings, graded) if "regrade" in self.path else {}
        # A new invitation each time: a revocation or a new token must not touch the world's.
        invitation = fresh_invitation(world) if "{invitation}" in self.path else ""
        return self.path.format(
            graded=graded,
            challenge=CHALLENGE,
            candidate=UNKNOWN,
            invitation=invitation,
            version=VERSION,
            **regrades,
        )

    def json(self, world: World) -> dict[str, Any] | None:
        if self.body is None:
            return None
        a_test = world.reports["ada"]["report"]["tests"][0]["id"]
        fill = {"{own_repo}": world.own_repo, "{a_test}": a_test}

        def filled(value: Any) -> Any:
            if isinstance(value, dict):
                return {k: filled(v) for k, v in value.items()}
            return fill.get(value, value) if isinstance(value, str) else value

        return filled(self.body)  # type: ignore[no-any-return]


REGRADES = ("{ready}", "{running}", "{published}")  # a regrade in that state (tests/support)

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
    # Reading the work: staff only. {graded} is an external repository, so its files and
    # diffs are not on this host: staff get 409 with the reason (api/routes/code.py).
    Endpoint("GET", "/api/submissions/{graded}/code", STAFF),
    Endpoint("GET", "/api/submissions/{graded}/code/file?path=wordfreq.py", STAFF, 409),
    Endpoint("GET", "/api/submissions/{graded}/diff", STAFF, 409),
    Endpoint("GET", "/api/submissions/{graded}/attempts", STAFF),
    Endpoint("GET", "/api/submissions/{graded}/rewrites", STAFF),
    Endpoint("GET", "/api/challenges/{challenge}/similarity", STAFF),
    Endpoint("GET", "/api/webhook-deliveries", ("admin",)),
    Endpoint("GET", "/api/invitations", STAFF),
    Endpoint(
        "POST",
        "/api/invitations",
        ("admin",),
        201,
        {"challenge": CHALLENGE, "candidate": "new@example.com"},
    ),
    Endpoint("DELETE", "/api/candidates/{candidate}", ("admin",)),
    Endpoint("GET", "/api/submissions/{graded}/decisions", STAFF),
    Endpoint(
        "POST",
        "/api/submissions/{graded}/decisions",
        STAFF,
        201,
        {"decision": "hold", "notes": "role matrix"},
    ),
    Endpoint("GET", "/api/invitations/{invitation}/decisions", STAFF),
    Endpoint(
        "POST", "/api/invitations/{invitation}/decisions", STAFF, 201, {"decision": "advance"}
    ),
    Endpoint("GET", "/api/submissions/{graded}/comments", STAFF),
    Endpoint(
        "POST",
        "/api/submissions/{graded}/comments",
        STAFF,
        201,
        {"target": {"kind": "test", "id": "{a_test}"}, "body": "role matrix"},
    ),
    Endpoint("GET", "/api/challenges/{challenge}/review", STAFF),
    Endpoint("PUT", "/api/challenges/{challenge}/review", ("admin",), 200, {"blind": None}),
    Endpoint("POST", "/api/submissions/{graded}/reveal", ("admin",)),
    Endpoint("POST", "/api/invitations/{invitation}/reveal", ("admin",)),
    Endpoint("POST", "/api/regrades", ("admin",), 202, {"challenge": CHALLENGE}),
    Endpoint("GET", "/api/regrades", ("admin",)),
    Endpoint("GET", "/api/regrades/{running}", ("admin",)),
    Endpoint("POST", "/api/regrades/{ready}/publish", ("admin",)),
    Endpoint("POST", "/api/regrades/{running}/discard", ("admin",)),
    Endpoint("GET", "/api/regrades/{published}/previous/{graded}", STAFF),
    # Past the role check, staff get 409: the world's submission is graded, not held
    # (tests/api/test_push_feedback.py has one released for real).
    Endpoint("POST", "/api/submissions/{graded}/grade", STAFF, 409),
    Endpoint("GET", "/api/me/submissions", ("candidate",)),
    Endpoint("GET", "/api/invitations/{invitation}", STAFF),
    Endpoint("POST", "/api/invitations/{invitation}/resend", ("admin",)),
    Endpoint("POST", "/api/invitations/{invitation}/revoke", STAFF),
    Endpoint("POST", "/api/invitations/{invitation}/extend", STAFF, 200, {"by": "24h"}),
    Endpoint("PUT", "/api/invitations/{invitation}/graded", STAFF, 200, {"submission": None}),
    Endpoint("GET", "/api/challenges/{challenge}/versions/{version}/bundle", ("admin", "worker")),
)


def fresh_invitation(world: World) -> str:
    """A new candidate invited for 72h, for an endpoint that changes its invitation."""
    email = f"matrix-{uuid.uuid4().hex[:12]}@example.com"
    created = invitations.invite(world.settings, CHALLENGE, email, actor="test", duration="72h")
    return str(created["id"])


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


CASES = [(e, role) for e in MATRIX for role in (*ROLES, None)]


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


def test_a_worker_cannot_sign_in_to_the_pages(world: World) -> None:
    response = world.client.post(
        "/login", data={"token": world.tokens["worker"]}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "set-cookie" not in response.headers


def test_a_bundle_is_the_challenge_with_its_hidden_tests(world: World) -> None:
    """What a worker gets: the registered version's folder, hidden tests included."""
    response = world.client.get(
        f"/api/challenges/{CHALLENGE}/versions/{VERSION}/bundle", headers=world.auth("worker")
    )
    assert response.headers["content-type"] == "application/gzip"
    assert response.headers["x-grader-challenge-version"] == VERSION
    with tarfile.open(fileobj=io.BytesIO(response.content), mode="r:gz") as tar:
        names = tar.getnames()
    assert "challenge/challenge.toml" in names
    assert any(name.startswith("challenge/hidden/") for name in names)
    missing = world.client.get(
        f"/api/challenges/{CHALLENGE}/versions/nope/bundle", headers=world.auth("worker")
    )
    assert missing.status_code == 404
    assert missing.json()["detail"] == f"no version nope of challenge {CHALLENGE}"
