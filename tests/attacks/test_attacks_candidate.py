"""Red-team attacks on the candidate-facing side's deadlines and gradings limit, tried as a
hostile candidate would, against a real server and git.

No Docker: the server runs in this process (uvicorn on a loopback socket, the
deadline clock replaced as tests/api/test_git_deadlines.py does), and the
candidate uses plain ``git`` and ``httpx`` with nothing but their own token and
cookie. Each test is one attack and checks the verdict the grader must give;
README.md's table says which held and which were found (and how each finding was fixed).

What old credentials open and what a candidate's token reaches are in
test_attacks_candidate_access.py; feedback in test_attacks_candidate_feedback.py.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from api.main import create_app
from grader.config import PROJECT_ROOT
from grader.hosting import invitations
from grader.store.db import migrate, session_scope
from grader.store.models import SubmissionRow
from grader.timestamps import rfc3339
from tests.api.conftest import (
    bearer,
    candidate_git,
    register_without_docker,
    settings_for,
    with_credentials,
)
from tests.api.feedback_fixtures import register_policy
from tests.attacks.candidate_fixtures import EXTERNAL, T0, Server, clone, commit, server
from tests.store import KINDS, fresh_database
from tests.support.asgi import loopback_socket, serving

__all__ = ["server"]

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
