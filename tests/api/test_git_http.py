"""Hosted repositories over smart HTTP, driven by plain `git` against a real server: clone
and push, who may do which, and (Docker) the whole way to a graded report.

The limits and the protocol's malformed requests are in test_git_limits.py; repository
URLs given to POST /api/submissions in test_submission_urls.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import candidate_git, create_token, with_credentials
from tests.api.git_fixtures import (
    SOLUTION,
    Deployment,
    Hosting,
    Invited,
    clone,
    commit_solution,
    deployment,
    hosted,
    private_redis,
    wait_for_catalogue,
)

__all__ = ["deployment", "hosted", "private_redis"]


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


# -- the whole way, with the real server and a real worker (Docker) -------------------------


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
