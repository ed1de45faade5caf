"""Red-team attacks on the candidate-facing side: deadlines, the gradings limit, feedback,
revocation and erasure, tried as a hostile candidate would, against a real server and git.

No Docker: the server runs in this process (uvicorn on a loopback socket, the
deadline clock replaced as tests/api/test_git_deadlines.py does), and the
candidate uses plain ``git`` and ``httpx`` with nothing but their own token and
cookie. Reports are stored as a worker stores them, with what a hostile
submission would have made its visible tests' messages say. Each test is one
attack and checks the verdict the grader must give; README.md's table says which
held and which were found (and how each finding was fixed).
"""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.main import create_app
from grader import erasure
from grader.candidate_feedback import view_of
from grader.config import PROJECT_ROOT
from grader.hosting import deadlines, invitations, push_feedback, repositories
from grader.store import hosted, repo
from grader.store.db import migrate, session_scope
from grader.store.models import SubmissionRow
from grader.timestamps import rfc3339
from tests.api.conftest import (
    WORD_FREQUENCY,
    LiveServer,
    bearer,
    candidate_git,
    create_token,
    register_without_docker,
    settings_for,
    with_credentials,
)
from tests.api.feedback_fixtures import register_policy
from tests.store import KINDS, fresh_database
from tests.support.asgi import loopback_socket, serving

T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
EXTERNAL = "https://github.com/ada/word-frequency"
SOLUTION = WORD_FREQUENCY / "solution" / "wordfreq.py"
RATE_LIMITER = PROJECT_ROOT / "challenges" / "rate-limiter-js"


@dataclass
class Server:
    live: LiveServer
    admin: str
    reviewer: str
    now: list[datetime]

    @property
    def settings(self) -> Any:
        return self.live.settings

    def invite(self, email: str = "ada@example.com", **terms: str) -> dict[str, Any]:
        body = {"challenge": "word-frequency", "candidate": email, **terms}
        answer = self.api("POST", "/api/invitations", self.admin, json=body)
        assert answer.status_code == 201, answer.text
        created: dict[str, Any] = answer.json()
        return created

    def api(self, method: str, path: str, token: str | None, **kwargs: Any) -> httpx.Response:
        headers = bearer(token) if token else {}
        return httpx.request(method, self.live.url + path, headers=headers, **kwargs)

    def submit(self, token: str, repo_url: str, challenge: str = "word-frequency") -> Any:
        body = {"challenge": challenge, "repo": repo_url, "ref": "main"}
        return self.api("POST", "/api/submissions", token, json=body)

    def rows(self) -> list[SubmissionRow]:
        with session_scope(self.settings.effective_database_url) as session:
            return list(session.scalars(select(SubmissionRow)))

    def graded_submission(self, invitation_id: str) -> str | None:
        with session_scope(self.settings.effective_database_url) as session:
            invitation = hosted.get_invitation(session, invitation_id)
            assert invitation is not None
            chosen = hosted.graded_submission(session, invitation)
            return None if chosen is None else chosen.id

    def page_session(self, token: str) -> httpx.Client:
        """A browser of the candidate page, signed in with ``token``."""
        browser = httpx.Client(base_url=self.live.url, follow_redirects=False)
        signed = browser.post("/candidate/login", data={"token": token})
        assert signed.status_code == 303, signed.text
        return browser


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    sock, url = loopback_socket()
    settings = settings_for(tmp_path / "data", public_url=url)
    register_without_docker(settings)
    now = [T0]
    monkeypatch.setattr(deadlines, "clock", lambda: now[0])
    with serving(create_app(settings), sock, lifespan="off", timeout_s=10):
        admin = create_token(settings, "admin")
        yield Server(LiveServer(url, settings), admin, create_token(settings, "reviewer"), now)


def clone(created: dict[str, Any], dest: Path, token: str | None = None) -> Any:
    url = with_credentials(created["clone_url"], token or created["token"])
    return candidate_git(dest.parent, "clone", url, dest.name)


def commit(work: Path, name: str = "wordfreq.py", text: str = "") -> None:
    if name == "wordfreq.py" and not text:
        shutil.copy(SOLUTION, work / name)
    else:
        (work / name).write_text(text or f"{name}\n")
    assert candidate_git(work, "add", "-A").returncode == 0
    assert candidate_git(work, "commit", "-q", "-m", f"Change {name}").returncode == 0


# ---------------------------------------------------------------------------------------------
# Deadlines: around receive-pack, through the API a candidate token also reaches.
# ---------------------------------------------------------------------------------------------


def test_api_submission_after_the_deadline_is_refused(server: Server) -> None:
    """`api-after-deadline` (found, fixed): an external repository's candidate, whose late
    webhook pushes are refused, asks for a grading with their own token instead."""
    due = T0 + timedelta(hours=1)
    created = server.invite(due_at=rfc3339(due), external_repo=EXTERNAL)
    server.now[0] = due + timedelta(seconds=1)

    answer = server.submit(created["token"], EXTERNAL)

    assert answer.status_code == 403, answer.text
    assert f"the deadline passed at {rfc3339(due)}" in answer.json()["detail"]
    assert server.rows() == []


def test_api_submission_before_the_window_opens_is_refused(server: Server) -> None:
    """`api-before-opens` (found, fixed): the same, before `opens_at`."""
    opens = T0 + timedelta(hours=1)
    created = server.invite(opens_at=rfc3339(opens), duration="3h", external_repo=EXTERNAL)

    answer = server.submit(created["token"], EXTERNAL)

    assert answer.status_code == 403, answer.text
    assert f"this invitation opens at {rfc3339(opens)}" in answer.json()["detail"]
    assert server.rows() == []


def test_api_grading_of_a_late_push_does_not_become_the_graded_one(
    server: Server, tmp_path: Path
) -> None:
    """`launder-late-push` (found, fixed): under accept-late a late push is recorded late and
    the last in-time one counts; the candidate then has the API grade `main` (the late
    commit), hoping for a row not marked late, which would become the one that counts."""
    due = T0 + timedelta(hours=1)
    created = server.invite(due_at=rfc3339(due), late="accept-late")
    work = tmp_path / "ada"
    assert clone(created, work).returncode == 0
    commit(work, "notes.md")
    assert candidate_git(work, "push", "origin", "main").returncode == 0
    [in_time] = server.rows()
    server.now[0] = due + timedelta(minutes=5)
    commit(work)  # the solution, after the deadline
    assert candidate_git(work, "push", "origin", "main").returncode == 0

    answer = server.submit(created["token"], created["clone_url"])

    assert answer.status_code == 202, answer.text
    [laundered] = [r for r in server.rows() if r.id == answer.json()["id"]]
    assert laundered.late, "a late commit was graded as in time"
    assert server.graded_submission(created["id"]) == in_time.id


def test_api_submission_against_another_challenge_is_refused(server: Server) -> None:
    """`other-challenge` (found, fixed): the candidate submits their own repository against a
    challenge they were not invited to (another role's take-home, one without a gradings
    limit): an oracle for a suite that is not theirs, under a limit that is not theirs."""
    register_without_docker(server.settings, PROJECT_ROOT / "challenges" / "plugin-pipeline")
    created = server.invite(external_repo=EXTERNAL)

    answer = server.submit(created["token"], EXTERNAL, challenge="plugin-pipeline")

    assert answer.status_code == 403, answer.text
    assert server.rows() == []


def test_main_cannot_be_fast_forwarded_from_a_branch_after_the_deadline(
    server: Server, tmp_path: Path
) -> None:
    """`branch-then-ff` (held): the solution is pushed in time to an ungraded branch, then
    after the deadline `main` is moved to it (a ref update with no new objects)."""
    due = T0 + timedelta(hours=1)
    created = server.invite(due_at=rfc3339(due))
    work = tmp_path / "ada"
    assert clone(created, work).returncode == 0
    commit(work)
    branch = candidate_git(work, "push", "origin", "HEAD:refs/heads/draft")
    assert branch.returncode == 0 and "draft is not graded" in branch.stderr
    server.now[0] = due + timedelta(seconds=1)

    moved = candidate_git(work, "push", "origin", "main")
    deleted = candidate_git(work, "push", "origin", ":draft")

    assert moved.returncode != 0 and "the deadline passed" in moved.stderr
    assert deleted.returncode != 0 and "the deadline passed" in deleted.stderr
    assert server.rows() == []


def test_ls_remote_starts_no_clock_and_gives_no_content(server: Server, tmp_path: Path) -> None:
    """`clock-never-starts` (held): the candidate reads the refs with `ls-remote` (no clone)
    hoping to learn the starter without the duration's clock starting; any fetch of
    objects starts it, as a clone does."""
    created = server.invite(duration="2h")
    url = with_credentials(created["clone_url"], created["token"])
    listed = candidate_git(tmp_path, "ls-remote", url)
    assert listed.returncode == 0 and "refs/heads/main" in listed.stdout
    path = f"/api/invitations/{created['id']}"
    assert server.api("GET", path, server.admin).json()["started_at"] is None

    work = tmp_path / "w"
    assert candidate_git(tmp_path, "init", "-q", str(work)).returncode == 0
    fetched = candidate_git(work, "fetch", "--depth=1", url, "main")

    assert fetched.returncode == 0, fetched.stderr
    assert server.api("GET", path, server.admin).json()["started_at"] == rfc3339(T0)


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


# ---------------------------------------------------------------------------------------------
# Feedback: what a hostile submission can make a visible test's message carry.
# ---------------------------------------------------------------------------------------------


def _store(server: Server, invitation: dict[str, Any], report_tests: list[dict[str, Any]]) -> str:
    """A graded submission of ``invitation`` whose report has these tests."""
    with session_scope(server.settings.effective_database_url) as session:
        invitation_row = hosted.get_invitation(session, invitation["id"])
        assert invitation_row is not None
        challenge = repo.get_challenge(session, invitation_row.challenge_id)
        assert challenge is not None
        row = repo.create_submission(
            session,
            challenge=challenge,
            repo=invitation["clone_url"],
            ref="main",
            commit="a" * 40,
            candidate_email=invitation_row.candidate_email,
            invitation_id=invitation["id"],
        )
        report = {
            "schema": 1,
            "status": "graded",
            "overall": 10.0,
            "skills": {},
            "tests": report_tests,
        }
        repo.claim(session, row.id, "test-worker", 600)
        repo.finish(
            session,
            row.id,
            status="graded",
            overall=10.0,
            report=report,
            artifacts=None,
            commit=row.commit,
            dedupe_key=None,
        )
        return row.id


def _seen(server: Server, token: str, submission_id: str) -> str:
    """Everything the candidate is told of one submission: API, page and `git push` lines."""
    texts = [
        server.api("GET", "/api/me/submissions", token).text,
        server.api("GET", f"/api/submissions/{submission_id}", token).text,
        server.page_session(token).get("/candidate").text,
    ]
    with session_scope(server.settings.effective_database_url) as session:
        row = repo.get_submission(session, submission_id)
        assert row is not None
        texts += push_feedback.result_lines(view_of(session, row), "link")
    return "\n".join(texts)


def _rate_limiter(server: Server, tmp_path: Path, feedback: str) -> dict[str, Any]:
    folder = tmp_path / "rate-limiter-js"
    shutil.copytree(RATE_LIMITER, folder)
    manifest = folder / "challenge.toml"
    manifest.write_text(manifest.read_text() + "\n" + feedback)
    register_without_docker(server.settings, folder)
    return server.invite(challenge="rate-limiter-js")


def test_a_parametrized_hidden_test_named_without_its_parameters_is_blanked(
    server: Server, tmp_path: Path
) -> None:
    """`bare-param-name` (found, fixed): a visible test's message quotes a hidden
    parametrized test by its function name, without the `[...]` of its ID."""
    created = _rate_limiter(
        server, tmp_path, '[feedback]\npolicy = "visible"\nvisible = ["hidden/v.test.js::*"]\n'
    )
    hidden = "hidden/perf.test.js::test_secret_scaling[100000]"
    visible = {
        "id": "hidden/v.test.js::shows",
        "outcome": "failed",
        "message": "AssertionError: differs; compare test_secret_scaling in perf.test.js",
    }
    tests = [visible, {"id": hidden, "outcome": "failed", "message": "x"}]
    submission = _store(server, created, tests)

    seen = _seen(server, created["token"], submission)

    assert "hidden/v.test.js::shows" in seen
    assert "test_secret_scaling" not in seen


def test_hidden_source_encoded_in_a_visible_message_does_not_come_back(
    server: Server, tmp_path: Path
) -> None:
    """`encode-hidden-in-message` (found, fixed): rate-limiter-js under `visible` (an
    author's choice); Node runs the candidate's code in the tests' process. Its `RateLimiter`
    reads hidden/limiter.test.js and throws an Error carrying it, base64-encoded, when a
    visible test (`RateLimiter isolation::*`) calls it. It came back through the API, the
    page and `git push`, 2,000 characters per visible test per grading; now a submission
    that ran in the tests' process gets its visible tests' outcomes without messages."""
    created = _rate_limiter(
        server,
        tmp_path,
        '[feedback]\npolicy = "visible"\n'
        'visible = ["hidden/limiter.test.js::RateLimiter isolation::*"]\n',
    )
    source = (RATE_LIMITER / "hidden" / "limiter.test.js").read_text()
    chunk = base64.b64encode(source.encode()).decode()[:1500]
    tests = [
        {
            "id": "hidden/limiter.test.js::RateLimiter isolation::keeps callers apart",
            "outcome": "failed",
            "message": f"Error: {chunk}",
        },
        {
            "id": "hidden/limiter.test.js::TokenBucket::starts full and allows exactly "
            "capacity requests at once",
            "outcome": "failed",
            "message": "AssertionError: hidden",
        },
    ]
    submission = _store(server, created, tests)

    seen = _seen(server, created["token"], submission)

    decoded = "".join(
        base64.b64decode(word + "=" * (-len(word) % 4)).decode(errors="replace")
        for word in seen.split()
        if len(word) > 200 and word.isascii()
    )
    assert "starts full and allows exactly capacity" not in decoded


def test_own_output_naming_hidden_tests_is_not_shown(server: Server, tmp_path: Path) -> None:
    """`print-hidden-names` (held): the candidate's code prints what it learned into the test
    output and notes; neither output nor notes reach a candidate under any policy."""
    created = _rate_limiter(
        server, tmp_path, '[feedback]\npolicy = "visible"\nvisible = ["hidden/v.test.js::*"]\n'
    )
    submission = _store(
        server, created, [{"id": "hidden/v.test.js::shows", "outcome": "passed", "message": ""}]
    )
    with session_scope(server.settings.effective_database_url) as session:
        stored = repo.report_of(session, submission)
        assert stored is not None
        report = dict(stored.report)
        report["output"] = {"head": "LEAKED-HIDDEN-NAME", "tail": "LEAKED-HIDDEN-NAME"}
        report["notes"] = ["LEAKED-HIDDEN-NAME"]
        stored.report = report

    assert "LEAKED-HIDDEN-NAME" not in _seen(server, created["token"], submission)


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


# ---------------------------------------------------------------------------------------------
# The gradings limit, raced.
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_racing_submissions_get_no_more_gradings_than_the_limit(kind: str, tmp_path: Path) -> None:
    """`race-the-limit` (found on PostgreSQL, fixed): with `max_gradings = 1`, the candidate
    fires 8 API submissions at once (webhooks too pass no push lock): each counted the
    gradings used before the others had committed; 2 or 3 were graded."""
    with fresh_database(kind, tmp_path) as url:
        sock, public = loopback_socket()
        settings = settings_for(tmp_path / "data", public_url=public)
        settings = settings.model_copy(update={"database_url": url})
        migrate(url)
        register_policy(settings, tmp_path, "summary", "max_gradings = 1\n")
        created = invitations.invite(
            settings, "word-frequency", "ada@example.com", "test", external_repo=EXTERNAL
        )
        body = {"challenge": "word-frequency", "repo": EXTERNAL, "ref": "main"}
        with serving(create_app(settings), sock, lifespan="off", timeout_s=10):

            def post(_: int) -> int:
                answer = httpx.post(
                    f"{public}/api/submissions", json=body, headers=bearer(created["token"])
                )
                return answer.status_code

            with ThreadPoolExecutor(8) as pool:
                assert set(pool.map(post, range(8))) == {202}
        with session_scope(url) as session:
            statuses = [r.status for r in session.scalars(select(SubmissionRow))]
        assert len(statuses) == 8
        assert sum(s != "held" for s in statuses) == 1, statuses
