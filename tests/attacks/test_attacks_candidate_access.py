"""Red-team attacks on what a candidate's credentials open: revoked, resent and erased
tokens and sessions, staff and worker routes, other candidates' work and repositories.

No Docker: the server runs in this process (uvicorn on a loopback socket, the
deadline clock replaced as tests/api/test_git_deadlines.py does), and the
candidate uses plain ``git`` and ``httpx`` with nothing but their own token and
cookie. Each test is one attack and checks the verdict the grader must give;
README.md's table says which held and which were found (and how each finding was fixed).
"""

from __future__ import annotations

from pathlib import Path

import httpx

from grader import erasure
from grader.hosting import repositories
from grader.store import repo
from grader.store.db import session_scope
from tests.api.conftest import candidate_git
from tests.attacks.candidate_fixtures import EXTERNAL, Server, clone, server

__all__ = ["server"]

# ---------------------------------------------------------------------------------------------
# Revocation, resent tokens, erasure: what an old credential still opens.
# ---------------------------------------------------------------------------------------------


def test_a_page_session_opened_before_revocation_ends_with_it(server: Server) -> None:
    """`revoked-session` (held): the candidate signs in to the candidate page, is revoked,
    and keeps using the cookie and the token."""
    created = server.invite()
    browser = server.page_session(created["token"])
    assert browser.get("/candidate").status_code == 200
    revoked = server.api("POST", f"/api/invitations/{created['id']}/revoke", server.reviewer)
    assert revoked.status_code == 200

    page = browser.get("/candidate")
    again = browser.post("/candidate/login", data={"token": created["token"]})
    mine = server.api("GET", "/api/me/submissions", created["token"])

    assert page.status_code == 303 and page.headers["location"] == "/candidate/login"
    assert again.status_code == 401
    assert mine.status_code == 401 and "revoked" in mine.json()["detail"]


def test_a_resent_token_retires_the_old_one_everywhere(server: Server, tmp_path: Path) -> None:
    """`old-token` (held): after a resend, the old token and a cookie made from it."""
    created = server.invite()
    browser = server.page_session(created["token"])
    resent = server.api("POST", f"/api/invitations/{created['id']}/resend", server.admin)
    assert resent.status_code == 200

    assert browser.get("/candidate").status_code == 303
    assert server.api("GET", "/api/me/submissions", created["token"]).status_code == 401
    assert server.submit(created["token"], created["clone_url"]).status_code == 401
    assert clone(created, tmp_path / "old").returncode != 0
    assert server.page_session(resent.json()["token"]).get("/candidate").status_code == 200


def test_after_erasure_nothing_opens_for_the_old_credentials(
    server: Server, tmp_path: Path
) -> None:
    """`erased-session` (held): the candidate's cookie, token and clone URL after erasure,
    and a new token that reuses the erased token's row id keeps the cookie out."""
    created = server.invite()
    work = tmp_path / "ada"
    assert clone(created, work).returncode == 0
    browser = server.page_session(created["token"])
    erasure.erase(server.settings, "ada@example.com", "test")
    # SQLite hands the erased token's id to the next token: the cookie must not open it.
    fresh = server.invite("bob@example.com")

    page = browser.get("/candidate")
    mine = server.api("GET", "/api/me/submissions", created["token"])
    pushed = candidate_git(work, "push", "origin", "main")

    assert page.status_code == 303 and "bob@example.com" not in page.text
    assert mine.status_code == 401
    assert pushed.returncode != 0
    assert server.page_session(fresh["token"]).get("/candidate").status_code == 200


# ---------------------------------------------------------------------------------------------
# Staff and worker routes, other candidates' work, with a candidate's token.
# ---------------------------------------------------------------------------------------------


def test_a_candidate_token_reaches_no_bundle_report_or_other_repository(
    server: Server, tmp_path: Path
) -> None:
    """`bundle-and-neighbours` (held): the hidden tests' bundle, the report JSON, the
    graded-choice and release endpoints, another candidate's repository and submission."""
    ada = server.invite()
    bob = server.invite("bob@example.com", external_repo=EXTERNAL)
    [bob_row] = [r for r in [server.submit(bob["token"], EXTERNAL)] if r.status_code == 202]
    bob_id = bob_row.json()["id"]
    with session_scope(server.settings.effective_database_url) as session:
        challenge = repo.get_challenge(session, "word-frequency")
        assert challenge is not None
        version = challenge.current_version
    token = ada["token"]

    answers = {
        "bundle": server.api(
            "GET", f"/api/challenges/word-frequency/versions/{version}/bundle", token
        ),
        "report": server.api("GET", f"/api/submissions/{bob_id}/report", token),
        "graded": server.api(
            "PUT", f"/api/invitations/{ada['id']}/graded", token, json={"submission": bob_id}
        ),
        "release": server.api("POST", f"/api/submissions/{bob_id}/grade", token),
        "extend": server.api("POST", f"/api/invitations/{ada['id']}/extend", token, json={}),
        "bob": server.api("GET", f"/api/submissions/{bob_id}", token),
    }
    foreign = clone(server.invite("cy@example.com"), tmp_path / "cy", token=token)

    assert {k: a.status_code for k, a in answers.items()} == {
        "bundle": 403,
        "report": 403,
        "graded": 403,
        "release": 403,
        "extend": 403,
        "bob": 404,
    }
    assert "bob@example.com" not in answers["bob"].text
    assert foreign.returncode != 0 and "error: 403" in foreign.stderr


def test_a_bare_repository_url_gives_no_other_invitation(server: Server, tmp_path: Path) -> None:
    """`path-tricks` (held): the candidate's token on another invitation's repository path
    spelled oddly (`..`, `%2e`, a trailing slash, case) and on the bare folder's name."""
    ada = server.invite()
    bob = server.invite("bob@example.com")
    base = server.live.url + "/git/"
    tried = [
        f"{ada['id']}.git/../{bob['id']}.git",
        f"{ada['id']}.git/%2e%2e/{bob['id']}.git",
        f"{bob['id'].upper()}.git",
        f"{bob['id']}",
    ]
    auth = ("candidate", ada["token"])
    for name in tried:
        answer = httpx.get(
            f"{base}{name}/info/refs", params={"service": "git-upload-pack"}, auth=auth
        )
        assert answer.status_code in (403, 404), (name, answer.status_code)
    bare = repositories.repository_path(server.settings, bob["id"])
    assert bare.is_dir()
