"""Hosted repositories over smart HTTP, driven by plain `git` against a real server.

Also here: repository URLs given to POST /api/submissions are checked before
anything is queued.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from grader.config import Settings
from grader.hosting import invitations, repositories
from grader.store.db import session_scope
from grader.store.models import AuditRow, PushRow, SubmissionRow
from tests.api.conftest import (
    WORD_FREQUENCY,
    LiveServer,
    bearer,
    candidate_git,
    create_token,
    register_without_docker,
    with_credentials,
)
from tests.support.services import free_port, redis_server, wait_for

SOLUTION = WORD_FREQUENCY / "solution" / "wordfreq.py"


@dataclass(frozen=True)
class Invited:
    id: str
    clone_url: str
    token: str


@dataclass(frozen=True)
class Hosting:
    server: LiveServer
    admin: str
    ada: Invited
    bob: Invited

    def submissions(self) -> list[SubmissionRow]:
        with session_scope(self.server.settings.effective_database_url) as session:
            return list(session.scalars(select(SubmissionRow).order_by(SubmissionRow.created_at)))

    def pushes(self) -> list[PushRow]:
        with session_scope(self.server.settings.effective_database_url) as session:
            return list(session.scalars(select(PushRow).order_by(PushRow.id)))

    def main(self, invited: Invited) -> str:
        bare = repositories.repository_path(self.server.settings, invited.id)
        return subprocess.run(
            ["git", "--git-dir", str(bare), "rev-parse", "refs/heads/main"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()


def invite(server: LiveServer, admin: str, email: str) -> Invited:
    response = httpx.post(
        f"{server.url}/api/invitations",
        json={"challenge": "word-frequency", "candidate": email},
        headers=bearer(admin),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Invited(body["id"], body["clone_url"], body["token"])


@pytest.fixture
def hosted(live_server: LiveServer) -> Hosting:
    register_without_docker(live_server.settings)
    admin = create_token(live_server.settings, "admin")
    return Hosting(
        live_server,
        admin,
        invite(live_server, admin, "ada@example.com"),
        invite(live_server, admin, "bob@example.com"),
    )


def clone(invited: Invited, secret: str, dest: Path) -> subprocess.CompletedProcess[str]:
    return candidate_git(
        dest.parent, "clone", with_credentials(invited.clone_url, secret), dest.name
    )


def commit_solution(work: Path, message: str = "Count words with a Counter") -> str:
    shutil.copy(SOLUTION, work / "wordfreq.py")
    assert candidate_git(work, "add", "-A").returncode == 0
    assert candidate_git(work, "commit", "-q", "-m", message).returncode == 0
    return candidate_git(work, "rev-parse", "HEAD").stdout.strip()


# -- clone and push ------------------------------------------------------------------------
def test_a_candidate_clones_pushes_and_the_push_is_queued_for_grading(
    hosted: Hosting, tmp_path: Path
) -> None:
    work = tmp_path / "ada"
    cloned = clone(hosted.ada, hosted.ada.token, work)
    assert cloned.returncode == 0, cloned.stderr
    assert (work / "STATEMENT.md").is_file()
    seed = hosted.main(hosted.ada)
    sha = commit_solution(work)

    pushed = candidate_git(work, "push", "origin", "main")

    assert pushed.returncode == 0, pushed.stderr
    assert f"remote: grader: {sha[:12]} on main queued for grading" in pushed.stderr
    assert hosted.main(hosted.ada) == sha
    [submission] = hosted.submissions()
    assert (submission.commit, submission.repo) == (sha, hosted.ada.clone_url)
    assert (submission.invitation_id, submission.candidate_email) == (
        hosted.ada.id,
        "ada@example.com",
    )
    assert submission.status == "queued" and submission.challenge_id == "word-frequency"
    [push] = hosted.pushes()
    assert (push.ref, push.old_commit, push.new_commit) == ("refs/heads/main", seed, sha)
    assert push.commits == [sha] and not push.forced and push.received_at is not None


def test_any_user_name_works_and_an_admin_token_opens_every_repository(
    hosted: Hosting, tmp_path: Path
) -> None:
    url = with_credentials(hosted.ada.clone_url, hosted.ada.token, user="whoever")
    assert candidate_git(tmp_path, "clone", url, "a").returncode == 0
    assert clone(hosted.bob, hosted.admin, tmp_path / "b").returncode == 0


def test_without_valid_credentials_git_is_asked_for_basic_auth(
    hosted: Hosting, tmp_path: Path
) -> None:
    refs = f"{hosted.ada.clone_url}/info/refs?service=git-upload-pack"
    for auth in (None, ("ada", "grd_not-a-token"), ("ada", "")):
        response = httpx.get(refs, auth=auth)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Basic realm="grader"'

    anonymous = candidate_git(tmp_path, "clone", hosted.ada.clone_url, "anon")
    assert anonymous.returncode != 0
    assert "could not read Username" in anonymous.stderr  # git asked, and prompts are off
    wrong = clone(hosted.ada, "grd_not-a-token", tmp_path / "wrong")
    assert wrong.returncode != 0 and "Authentication failed" in wrong.stderr
    assert not (tmp_path / "anon").exists() and not (tmp_path / "wrong").exists()


def test_another_candidate_can_neither_clone_nor_push(hosted: Hosting, tmp_path: Path) -> None:
    stolen = clone(hosted.ada, hosted.bob.token, tmp_path / "stolen")
    assert stolen.returncode != 0 and "403" in stolen.stderr

    work = tmp_path / "bob"
    assert clone(hosted.bob, hosted.bob.token, work).returncode == 0
    commit_solution(work)
    before = hosted.main(hosted.ada)
    target = with_credentials(hosted.ada.clone_url, hosted.bob.token)
    pushed = candidate_git(work, "push", "--force", target, "main")

    assert pushed.returncode != 0 and "403" in pushed.stderr
    assert hosted.main(hosted.ada) == before
    assert hosted.submissions() == [] and hosted.pushes() == []


def test_a_reviewer_clones_read_only_and_never_pushes(hosted: Hosting, tmp_path: Path) -> None:
    work = tmp_path / "ada"
    assert clone(hosted.ada, hosted.ada.token, work).returncode == 0
    pushed_by_ada = commit_solution(work)
    assert candidate_git(work, "push", "origin", "main").returncode == 0
    reviewer = create_token(hosted.server.settings, "reviewer")

    copy = tmp_path / "review"
    cloned = clone(hosted.ada, reviewer, copy)

    assert cloned.returncode == 0, cloned.stderr
    assert candidate_git(copy, "rev-parse", "HEAD").stdout.strip() == pushed_by_ada
    assert (copy / "wordfreq.py").read_text() == SOLUTION.read_text()
    (copy / "wordfreq.py").write_text("# a reviewer's edit\n")
    candidate_git(copy, "commit", "-qam", "Reviewer edit")
    before = (hosted.main(hosted.ada), len(hosted.pushes()), len(hosted.submissions()))
    pushed = candidate_git(copy, "push", "origin", "main")
    forced = candidate_git(copy, "push", "--force", "origin", "main:refs/heads/other")
    assert pushed.returncode != 0 and "403" in pushed.stderr, pushed.stderr
    assert forced.returncode != 0 and "403" in forced.stderr
    assert (hosted.main(hosted.ada), len(hosted.pushes()), len(hosted.submissions())) == before
    refs = f"{hosted.ada.clone_url}/info/refs?service=git-receive-pack"
    refused = httpx.get(refs, auth=("r", reviewer))
    assert refused.status_code == 403
    assert refused.json()["detail"] == "a reviewer's token clones and fetches, it never pushes"


def test_unknown_repositories_are_refused(hosted: Hosting) -> None:
    refs = "{}/info/refs?service=git-upload-pack"
    missing = f"{hosted.server.url}/git/00000000-0000-4000-8000-000000000000.git"
    assert httpx.get(refs.format(missing), auth=("a", hosted.ada.token)).status_code == 404
    assert httpx.get(refs.format(missing)).status_code == 401  # no hint without credentials
    for name in ("not-an-id.git", "%00.git", "..%2F..%2Fetc"):
        url = refs.format(f"{hosted.server.url}/git/{name}")
        assert httpx.get(url, auth=("a", hosted.ada.token)).status_code == 404


def test_branches_and_force_pushes_are_recorded_and_only_main_is_graded(
    hosted: Hosting, tmp_path: Path
) -> None:
    work = tmp_path / "ada"
    assert clone(hosted.ada, hosted.ada.token, work).returncode == 0
    first = commit_solution(work, "First try")
    assert candidate_git(work, "push", "origin", "main").returncode == 0
    assert candidate_git(work, "checkout", "-q", "-b", "feature").returncode == 0
    (work / "notes.md").write_text("ideas\n")
    candidate_git(work, "add", "-A")
    candidate_git(work, "commit", "-q", "-m", "Write down ideas")
    assert candidate_git(work, "push", "origin", "feature").returncode == 0
    candidate_git(work, "checkout", "-q", "main")
    candidate_git(work, "commit", "-q", "--amend", "-m", "First try, reworded")
    rewritten = candidate_git(work, "rev-parse", "HEAD").stdout.strip()

    forced = candidate_git(work, "push", "--force", "origin", "main")

    assert forced.returncode == 0, forced.stderr
    pushes = [(p.ref, p.forced, len(p.commits)) for p in hosted.pushes()]
    assert pushes == [
        ("refs/heads/main", False, 1),
        ("refs/heads/feature", False, 1),
        ("refs/heads/main", True, 1),
    ]
    assert hosted.pushes()[-1].old_commit == first
    assert [s.commit for s in hosted.submissions()] == [first, rewritten]


def test_a_large_push_goes_through_gits_chunked_upload_and_fetches_back(
    hosted: Hosting, tmp_path: Path
) -> None:
    work = tmp_path / "ada"
    assert clone(hosted.ada, hosted.ada.token, work).returncode == 0
    (work / "data.bin").write_bytes(os.urandom(3 << 20))  # past http.postBuffer: chunked
    sha = commit_solution(work, "Add a large file")

    pushed = candidate_git(work, "push", "origin", "main")

    assert pushed.returncode == 0, pushed.stderr
    assert hosted.main(hosted.ada) == sha
    other = tmp_path / "again"
    assert clone(hosted.ada, hosted.ada.token, other).returncode == 0
    assert (other / "data.bin").read_bytes() == (work / "data.bin").read_bytes()


# -- limits ------------------------------------------------------------------------------------
def test_the_push_limit_is_told_in_git_push_output_and_moves_no_ref(
    hosted: Hosting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hosted.server.settings, "max_pushes_per_hour", 1)
    work = tmp_path / "ada"
    assert clone(hosted.ada, hosted.ada.token, work).returncode == 0
    first = commit_solution(work)
    assert candidate_git(work, "push", "origin", "main").returncode == 0
    (work / "more.md").write_text("more\n")
    candidate_git(work, "add", "-A")
    candidate_git(work, "commit", "-q", "-m", "Add more")

    refused = candidate_git(work, "push", "origin", "main")

    assert refused.returncode != 0
    assert "push limit reached: at most 1 pushes an hour" in refused.stderr
    assert hosted.main(hosted.ada) == first
    assert len(hosted.submissions()) == 1


def test_a_push_past_the_size_limit_is_refused_with_the_reason(
    hosted: Hosting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hosted.server.settings, "max_hosted_repo_mb", 1)
    work = tmp_path / "ada"
    assert clone(hosted.ada, hosted.ada.token, work).returncode == 0
    before = hosted.main(hosted.ada)
    (work / "data.bin").write_bytes(os.urandom(3 << 20))  # random: git cannot compress it
    commit_solution(work, "Add a large file")

    refused = candidate_git(work, "push", "origin", "main")

    assert refused.returncode != 0
    assert "remote: error: repository size limit (1 MB)" in refused.stderr
    assert "[remote rejected] main -> main (repository size limit" in refused.stderr
    assert hosted.main(hosted.ada) == before
    assert hosted.submissions() == [] and hosted.pushes() == []
    with session_scope(hosted.server.settings.effective_database_url) as session:
        actions = session.scalars(select(AuditRow.action)).all()
    assert "git.push.refused" in actions


# -- the protocol at the HTTP level ---------------------------------------------------------
def upload_pack_request(sha: str) -> bytes:
    want = f"want {sha} ofs-delta\n".encode()
    return f"{len(want) + 4:04x}".encode() + want + b"0000" + b"0009done\n"


def test_a_gzip_fetch_request_is_inflated(hosted: Hosting) -> None:
    url = f"{hosted.ada.clone_url}/git-upload-pack"
    headers = {
        "Content-Type": "application/x-git-upload-pack-request",
        "Content-Encoding": "gzip",
    }
    body = gzip.compress(upload_pack_request(hosted.main(hosted.ada)))

    response = httpx.post(url, content=body, headers=headers, auth=("a", hosted.ada.token))

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-git-upload-pack-result"
    assert b"PACK" in response.content


@pytest.mark.parametrize(
    ("path", "headers", "body", "status"),
    [
        ("/info/refs", {}, None, 400),  # the dumb protocol
        ("/info/refs?service=git-archive", {}, None, 400),
        ("/git-upload-pack", {"Content-Type": "text/plain"}, b"0000", 415),
        (
            "/git-upload-pack",
            {"Content-Type": "application/x-git-upload-pack-request", "Content-Encoding": "br"},
            b"0000",
            415,
        ),
        (
            "/git-upload-pack",
            {"Content-Type": "application/x-git-upload-pack-request", "Content-Encoding": "gzip"},
            b"not gzip at all",
            400,
        ),
    ],
)
def test_requests_git_would_never_send_are_json_4xx(
    hosted: Hosting, path: str, headers: dict[str, str], body: bytes | None, status: int
) -> None:
    url = hosted.ada.clone_url + path
    auth = ("a", hosted.ada.token)
    if body is None:
        response = httpx.get(url, auth=auth)
    else:
        response = httpx.post(url, content=body, headers=headers, auth=auth)
    assert response.status_code == status
    assert response.json()["detail"]


def test_an_oversized_fetch_request_is_413(
    hosted: Hosting, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hosted.server.settings, "max_git_request_mb", 1)
    body = gzip.compress(b"0" * (3 << 20))  # small on the wire, 3 MB inflated
    response = httpx.post(
        f"{hosted.ada.clone_url}/git-upload-pack",
        content=body,
        headers={
            "Content-Type": "application/x-git-upload-pack-request",
            "Content-Encoding": "gzip",
        },
        auth=("a", hosted.ada.token),
    )
    assert response.status_code == 413


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


# -- the whole way, with the real server and a real worker (Docker) -------------------------
GRADER = [sys.executable, "-m", "grader.cli"]


@dataclass
class Deployment:
    """`grader serve` as a subprocess, on its own data folder, catalogue and Redis database."""

    url: str
    env: dict[str, str]
    logs: Path

    def run(self, *args: str, timeout: float = 600) -> str:
        done = subprocess.run(
            [*GRADER, *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        assert done.returncode == 0, f"grader {args[0]} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def api(self, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, self.url + path, headers=bearer(token), **kwargs)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[str]:
    """A Redis of this test's own: a shared one may have other workers that take our jobs."""
    with redis_server(tmp_path / "redis") as server:
        yield server.url


@pytest.fixture
def deployment(tmp_path: Path, private_redis: str) -> Iterator[Deployment]:
    catalogue = tmp_path / "catalogue"
    catalogue.mkdir()
    (catalogue / "word-frequency").symlink_to(WORD_FREQUENCY, target_is_directory=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # No GRADER_PUBLIC_URL: the clone URLs must follow the port the server listens on, and
    # the worker learns the server's URL through Redis.
    env = {
        **os.environ,
        "GRADER_DATA_DIR": str(tmp_path / "data"),
        "GRADER_CHALLENGES_DIR": str(catalogue),
        "GRADER_REDIS_URL": private_redis,
        # No worker runs while these tests push: git push waits this long for a grading.
        "GRADER_PUSH_FEEDBACK_WAIT_S": "3",
    }
    env.pop("GRADER_DATABASE_URL", None)
    env.pop("GRADER_PUBLIC_URL", None)
    logs = tmp_path / "serve.log"
    with logs.open("wb") as log:
        server = subprocess.Popen(
            [*GRADER, "serve", "--port", str(port)], env=env, stdout=log, stderr=log
        )
    try:
        yield Deployment(url, env, logs)
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_for_catalogue(deployment: Deployment, admin: str, timeout_s: float = 300) -> None:
    def listed() -> bool:
        try:
            answer = deployment.api("GET", "/api/challenges", admin)
        except httpx.TransportError:
            return False
        return answer.status_code == 200 and bool(answer.json())

    try:
        wait_for("the server lists its catalogue", listed, timeout_s, 0.5)
    except TimeoutError as exc:
        raise AssertionError(f"{exc}:\n{deployment.logs.read_text()}") from exc


@pytest.mark.docker
def test_a_candidate_pushes_to_a_real_server_and_gets_a_graded_report(
    deployment: Deployment, tmp_path: Path
) -> None:
    admin = deployment.run("token", "create", "--role", "admin").strip()
    wait_for_catalogue(deployment, admin)
    invited = []
    for email in ("ada@example.com", "bob@example.com"):
        body = {"challenge": "word-frequency", "candidate": email}
        created = deployment.api("POST", "/api/invitations", admin, json=body)
        assert created.status_code == 201, created.text
        invited.append(
            Invited(created.json()["id"], created.json()["clone_url"], created.json()["token"])
        )
    ada, bob = invited
    assert ada.clone_url.startswith(f"{deployment.url}/git/"), ada.clone_url
    assert f"public URL: {deployment.url} " in deployment.logs.read_text()

    work = tmp_path / "ada"
    assert clone(ada, ada.token, work).returncode == 0
    sha = commit_solution(work)
    pushed = candidate_git(work, "push", "origin", "main")
    assert pushed.returncode == 0 and "queued for grading" in pushed.stderr, pushed.stderr

    # Another candidate's token opens neither way into ada's repository.
    assert clone(ada, bob.token, tmp_path / "stolen").returncode != 0
    candidate_git(work, "commit", "-q", "--allow-empty", "-m", "Try with bob's token")
    target = with_credentials(ada.clone_url, bob.token)
    assert candidate_git(work, "push", target, "main").returncode != 0

    deployment.run("worker", "--burst")

    [summary] = deployment.api("GET", "/api/submissions?candidate=ada@example.com", admin).json()
    detail = deployment.api("GET", f"/api/submissions/{summary['id']}", admin).json()
    assert (summary["status"], summary["commit"]) == ("graded", sha), detail["history"]
    report = deployment.api("GET", f"/api/submissions/{summary['id']}/report", admin).json()
    assert report["status"] == "graded"
    assert report["submission"]["commit"] == sha
    test_skills = [s for name, s in report["skills"].items() if name != "version_control"]
    assert test_skills and all(s["score"] == 100 for s in test_skills), report["skills"]

    # What the worker recorded, as the server shows it to a Prometheus scraper.
    scraped = httpx.get(deployment.url + "/metrics").text
    assert 'grader_gradings_total{status="graded"} 1.0' in scraped, scraped
    assert 'grader_grading_seconds_count{stage="total"} 1.0' in scraped, scraped
    assert 'grader_grading_seconds_count{stage="sandbox"} 1.0' in scraped, scraped
    assert 'grader_queue_jobs{queue="grading",state="queued"} 0.0' in scraped, scraped


# -- a worker's credential: fetches every repository, pushes to none -------------------------
def test_a_worker_token_clones_every_repository_and_pushes_to_none(
    hosted: Hosting, tmp_path: Path
) -> None:
    worker = create_token(hosted.server.settings, "worker")
    assert clone(hosted.ada, worker, tmp_path / "a").returncode == 0
    assert clone(hosted.bob, worker, tmp_path / "b").returncode == 0
    commit_solution(tmp_path / "b")

    pushed = candidate_git(tmp_path / "b", "push", "origin", "main")

    assert pushed.returncode != 0
    assert "403" in pushed.stderr
    assert hosted.submissions() == [] and hosted.pushes() == []
    # Even straight to receive-pack, past the advertisement git would have asked for first:
    response = httpx.post(
        f"{hosted.bob.clone_url}/git-receive-pack",
        content=b"0000",
        headers={"Content-Type": "application/x-git-receive-pack-request"},
        auth=("worker", worker),
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "a worker token may fetch repositories, never push to them"
