"""What `git push` prints, per feedback policy, against a real server with plain git.

The server has a Redis of its own (so a push's grading reaches the queue and
the push waits for it) and a stand-in worker: a thread that stores a report
(tests/api/feedback_fixtures.py) for each queued submission, as a worker would.
No Docker: what is under test is what the candidate's terminal shows.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from api.main import create_app
from grader.config import Settings
from grader.store import repo
from grader.store.db import session_scope
from grader.store.models import AuditRow, SubmissionRow
from tests.api.conftest import bearer, candidate_git, create_token, settings_for, with_credentials
from tests.api.feedback_fixtures import HIDDEN_SECRETS, VISIBLE, register_policy, store_report
from tests.api.git_fixtures import commit_solution
from tests.support.asgi import loopback_socket, serving
from tests.support.services import redis_server


@dataclass
class Round:
    url: str
    settings: Settings
    admin: str
    invitation: str
    clone_url: str
    token: str
    work: Path

    def submissions(self) -> list[SubmissionRow]:
        with session_scope(self.settings.effective_database_url) as session:
            query = select(SubmissionRow).order_by(SubmissionRow.created_at)
            return list(session.scalars(query))

    def push(self, *args: str) -> str:
        done = candidate_git(self.work, "push", *args, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stderr


class StandIn:
    """A worker stand-in: stores a report for each queued submission, after ``delay_s``."""

    def __init__(self, settings: Settings, delay_s: float = 0.0, status: str = "graded") -> None:
        self.settings, self.delay_s, self.status = settings, delay_s, status
        self.stop = threading.Event()
        self.done: list[str] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(0.05):
            with session_scope(self.settings.effective_database_url) as session:
                query = select(SubmissionRow.id).where(SubmissionRow.status == "queued")
                queued = list(session.scalars(query))
            for submission_id in queued:
                time.sleep(self.delay_s)
                store_report(self.settings, submission_id, self.status)
                self.done.append(submission_id)


@pytest.fixture
def start_round(tmp_path: Path) -> Iterator[Callable[..., Round]]:
    """Serve a round of the challenge under a policy: the candidate has cloned it."""
    stack: list[object] = []
    with redis_server(tmp_path / "redis") as redis:

        def start(
            policy: str, extra: str = "", wait_s: float = 30, keepalive_s: float = 10
        ) -> Round:
            sock, url = loopback_socket()
            settings = settings_for(tmp_path / "data", public_url=url).model_copy(
                update={
                    "redis_url": redis.url,
                    "push_feedback_wait_s": wait_s,
                    "push_keepalive_s": keepalive_s,
                }
            )
            register_policy(settings, tmp_path, policy, extra)
            serve = serving(create_app(settings), sock, lifespan="off", timeout_s=10)
            serve.__enter__()
            stack.append(serve)
            admin = create_token(settings, "admin")
            answer = httpx.post(
                f"{url}/api/invitations",
                json={"challenge": "word-frequency", "candidate": "ada@example.com"},
                headers=bearer(admin),
            )
            assert answer.status_code == 201, answer.text
            body = answer.json()
            work = tmp_path / "work"
            cloned = candidate_git(
                tmp_path, "clone", with_credentials(body["clone_url"], body["token"]), "work"
            )
            assert cloned.returncode == 0, cloned.stderr
            return Round(url, settings, admin, body["id"], body["clone_url"], body["token"], work)

        yield start
        for serve in reversed(stack):
            serve.__exit__(None, None, None)  # type: ignore[attr-defined]


def commit_more(work: Path, message: str) -> None:
    """Another commit on top (the solution is already in)."""
    (work / "NOTES.md").write_text(message + "\n")
    assert candidate_git(work, "add", "-A").returncode == 0
    assert candidate_git(work, "commit", "-q", "-m", message).returncode == 0


def normalised(stderr: str, round_: Round) -> list[str]:
    """git push's output with what changes from run to run replaced by placeholders."""
    text = stderr.replace(round_.url, "URL").replace(round_.invitation, "<invitation>")
    for number, row in enumerate(round_.submissions(), start=1):
        text = text.replace(row.id, f"<submission {number}>")
        if row.commit:
            text = text.replace(row.commit[:12], "<commit>")
    text = re.sub(r"\b[0-9a-f]{7,12}\.\.[0-9a-f]{7,12}\b", "<old>..<new>", text)
    return [line.rstrip() for line in text.splitlines()]


HEAD = [
    "remote: grader: <commit> on main queued for grading (<submission 1>)",
    "remote: grader: waiting up to 30 s for the grading (Ctrl-C stops the wait, not the grading)",
]
TAIL = ["To URL/git/<invitation>.git", "   <old>..<new>  main -> main"]
SUMMARY = [
    "remote: grader: graded: 38.8 / 100",
    "remote: grader:   programming       40.0",
    "remote: grader:   performance        0.0",
    "remote: grader:   version_control   75.0",
]
EXPECTED = {
    "none": [
        *HEAD,
        "remote: grader: <submission 1> is graded; this challenge shows no scores to candidates",
        *TAIL,
    ],
    "summary": [*HEAD, *SUMMARY, "remote: grader: details: URL/candidate", *TAIL],
    "visible": [
        *HEAD,
        *SUMMARY,
        "remote: grader: visible tests: 1 of 2 passed",
        f"remote: grader:   failed  {VISIBLE[0]}",
        "remote: grader:           AssertionError: top_words('b a c b a b', 3) returned "
        "[('a', 2)]; see also [hidden test] in hidden/test_basic.py",
        f"remote: grader:   passed  {VISIBLE[1]}",
        "remote: grader: details: URL/candidate",
        *TAIL,
    ],
}


@pytest.mark.parametrize("policy", ["none", "summary", "visible"])
def test_git_push_prints_what_the_policy_allows(
    start_round: Callable[..., Round], policy: str
) -> None:
    round_ = start_round(policy)
    commit_solution(round_.work)
    worker = StandIn(round_.settings)
    worker.thread.start()
    try:
        stderr = round_.push("origin", "main")
    finally:
        worker.stop.set()
    print(stderr)  # the exact output, for the record (pytest -s)
    assert normalised(stderr, round_) == EXPECTED[policy]
    for secret in HIDDEN_SECRETS:
        assert secret not in stderr


def test_a_push_to_another_branch_is_kept_but_not_graded(
    start_round: Callable[..., Round],
) -> None:
    round_ = start_round("summary")
    commit_solution(round_.work)
    stderr = round_.push("origin", "HEAD:feature")
    lines = normalised(stderr, round_)
    assert lines == [
        "remote: grader: feature is not graded: only pushes to main are",
        "To URL/git/<invitation>.git",
        " * [new branch]      HEAD -> feature",
    ]
    assert round_.submissions() == []


def test_a_push_not_graded_in_time_gets_a_link_then_a_push_during_a_grading_gets_its_own(
    start_round: Callable[..., Round],
) -> None:
    round_ = start_round("summary", wait_s=3, keepalive_s=1)
    commit_solution(round_.work)
    started = time.monotonic()
    lines = normalised(round_.push("origin", "main"), round_)
    assert time.monotonic() - started < 20
    assert lines[:2] == [
        "remote: grader: <commit> on main queued for grading (<submission 1>)",
        "remote: grader: waiting up to 3 s for the grading "
        "(Ctrl-C stops the wait, not the grading)",
    ]
    progress = [line for line in lines if "still grading" in line]
    assert progress and all(
        re.fullmatch(r"remote: grader: still grading \(\d s\)", p) for p in progress
    )
    assert lines[-3:] == [
        "remote: grader: not graded within 3 s; the result will be on URL/candidate",
        *TAIL,
    ]
    # The first grading is now running (a worker took it); a second push comes meanwhile.
    first = round_.submissions()[0].id
    with session_scope(round_.settings.effective_database_url) as session:
        assert repo.claim(session, first, "busy-worker", 600)
    commit_more(round_.work, "Note how words are counted")
    worker = StandIn(round_.settings)
    worker.thread.start()
    try:
        lines = normalised(round_.push("origin", "main"), round_)
    finally:
        worker.stop.set()
    assert lines[0] == "remote: grader: <commit> on main queued for grading (<submission 2>)"
    assert "remote: grader: graded: 38.8 / 100" in lines
    statuses = [row.status for row in round_.submissions()]
    assert statuses == ["running", "graded"]


def test_pushes_past_the_gradings_limit_are_kept_until_a_reviewer_has_them_graded(
    start_round: Callable[..., Round],
) -> None:
    round_ = start_round("summary", extra="max_gradings = 1\n")
    worker = StandIn(round_.settings)
    worker.thread.start()
    try:
        commit_solution(round_.work)
        assert "graded: 38.8 / 100" in round_.push("origin", "main")
        commit_more(round_.work, "Note how words are counted")
        lines = normalised(round_.push("origin", "main"), round_)
    finally:
        worker.stop.set()
    assert lines == [
        "remote: grader: <commit> on main received (<submission 2>), not graded: this "
        "challenge grades at most 1 push(es) per candidate; it is kept, and a reviewer can "
        "have it graded",
        "To URL/git/<invitation>.git",
        "   <old>..<new>  main -> main",
    ]
    held = round_.submissions()[1]
    assert held.status == "held"
    candidate = httpx.get(f"{round_.url}/api/submissions/{held.id}", headers=bearer(round_.token))
    assert candidate.json()["status"] == "held"
    assert "at most 1 push(es)" in candidate.json()["feedback"]["note"]
    grade = f"{round_.url}/api/submissions/{held.id}/grade"
    assert httpx.post(grade, headers=bearer(round_.token)).status_code == 403
    reviewer = create_token(round_.settings, "reviewer")
    answer = httpx.post(grade, headers=bearer(reviewer))
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"id": held.id, "status": "queued"}
    assert httpx.post(grade, headers=bearer(reviewer)).status_code == 409
    with session_scope(round_.settings.effective_database_url) as session:
        audit = session.scalars(
            select(AuditRow).where(AuditRow.action == "submission.release")
        ).all()
        assert [(a.subject, a.actor.startswith("token:")) for a in audit] == [(held.id, True)]
