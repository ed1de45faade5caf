"""Red-team attacks on the candidate's feedback: what a hostile submission can make its
visible tests' messages and its output carry back to the candidate.

No Docker: the server runs in this process (uvicorn on a loopback socket, the
deadline clock replaced as tests/api/test_git_deadlines.py does), and the
candidate uses plain ``git`` and ``httpx`` with nothing but their own token and
cookie. Each test is one attack and checks the verdict the grader must give;
README.md's table says which held and which were found (and how each finding was fixed).

Reports are stored as a worker stores them, with what a hostile submission would have
made its visible tests' messages say.
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path
from typing import Any

from grader.candidate_feedback import view_of
from grader.hosting import push_feedback
from grader.store import hosted, repo
from grader.store.db import session_scope
from tests.api.conftest import register_without_docker
from tests.attacks.candidate_fixtures import RATE_LIMITER, Server, server

__all__ = ["server"]

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
