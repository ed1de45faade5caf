"""The report page's history signals: a small block of evidence for the reviewer, escaped."""

from __future__ import annotations

from typing import Any

from grader.store import repo
from grader.store.db import session_scope
from tests.api.pages_fixtures import CHALLENGE, World, fresh_world, reports

__all__ = ["fresh_world", "reports"]

SIGNAL = {
    "kind": "late-bulk-commit",
    "message": 'Commit 0123456789 "<script>alert(1)</script>" wrote 92% of the final code '
    "(74 of 80 lines) and was pushed 3.0 days after the invitation's seed commit abcdef0123.",
    "commits": ["0123456789" + "0" * 30],
    "figures": {"share": 0.925, "lines": 74, "final_lines": 80, "hours_after_start": 71.4},
}


def graded_with(world: World, history: dict[str, Any]) -> str:
    report = {**world.reports["bob"]["report"], "history": history}
    with session_scope(world.settings.effective_database_url) as session:
        challenge = repo.get_challenge(session, CHALLENGE)
        row = repo.create_submission(
            session, challenge=challenge, repo="https://example.com/x.git", ref="main"
        )
        repo.claim(session, row.id, "test-worker", 600)
        repo.finish(
            session,
            row.id,
            status="graded",
            overall=report["overall"],
            report=report,
            artifacts=None,
            commit="e" * 40,
            dedupe_key=None,
        )
        return row.id


def report_page(world: World, submission_id: str) -> str:
    world.sign_in("reviewer")
    response = world.client.get(f"/submissions/{submission_id}")
    assert response.status_code == 200, response.text
    return response.text


def test_the_signals_are_listed_with_their_figures_and_escaped(fresh_world: World) -> None:
    history = {**fresh_world.reports["bob"]["report"]["history"], "signals": [SIGNAL]}
    html = report_page(fresh_world, graded_with(fresh_world, history))
    assert '<section class="card" id="signals">' in html
    assert '<li class="signal" data-kind="late-bulk-commit">' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "share 0.925 · lines 74 · final lines 80 · hours after start 71.4" in html


def test_without_signals_there_is_no_block(fresh_world: World) -> None:
    history = {**fresh_world.reports["bob"]["report"]["history"], "signals": []}
    assert 'id="signals"' not in report_page(fresh_world, graded_with(fresh_world, history))
    old = {k: v for k, v in history.items() if k != "signals"}  # a report from before signals
    assert 'id="signals"' not in report_page(fresh_world, graded_with(fresh_world, old))
