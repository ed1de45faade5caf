"""The candidate page in a real browser (Debian's Chromium, as tests/api/test_browser.py).

A candidate signs in with their invitation token and sees their history under
the ``visible`` policy: a graded push with its scores and visible tests, a push
held past the gradings limit, and one that could not be graded; nothing hidden.
The screenshot goes to the test's tmp folder and /tmp/shots/feedback/.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from api.main import create_app
from grader.hosting import invitations
from grader.store import gradings, repo
from grader.store.db import session_scope
from tests.api.conftest import settings_for
from tests.api.feedback_fixtures import HIDDEN_SECRETS, VISIBLE, register_policy, store_report
from tests.api.test_browser import browser
from tests.support.asgi import loopback_socket, serving

__all__ = ["browser"]

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/feedback")


def test_a_candidate_signs_in_and_sees_their_history(tmp_path: Path, browser: Any) -> None:
    sock, url = loopback_socket()
    settings = settings_for(tmp_path / "data", public_url=url)
    challenge = register_policy(settings, tmp_path, "visible", "max_gradings = 2\n")
    invited = invitations.invite(settings, challenge, "ada@example.com", actor="test")
    ids = []
    with session_scope(settings.effective_database_url) as session:
        row_challenge = repo.get_challenge(session, challenge)
        assert row_challenge is not None
        for commit in ("1" * 40, "2" * 40, "3" * 40):
            row = repo.create_submission(
                session,
                challenge=row_challenge,
                repo=invited["clone_url"],
                ref="main",
                commit=commit,
                candidate_email="ada@example.com",
                invitation_id=invited["id"],
            )
            ids.append(row.id)
    store_report(settings, ids[0])
    with session_scope(settings.effective_database_url) as session:
        repo.fail(session, ids[1], "SECRET-NOTE: the worker's own trouble")
        held = repo.get_submission(session, ids[2])
        assert held is not None
        gradings.hold(
            session,
            held,
            "not graded: this challenge grades at most 2 push(es) per candidate; "
            "it is kept, and a reviewer can have it graded",
        )
    with serving(create_app(settings), sock, lifespan="off"):
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(f"{url}/candidate")
        expect(page).to_have_url(f"{url}/candidate/login")
        page.fill("#token", invited["token"])
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{url}/candidate")
        expect(page.locator("h1")).to_have_text("Word frequency")
        graded = page.locator(f"#submission-{ids[0]}")
        expect(graded.locator(".big")).to_have_text("38.8")
        expect(graded.locator("table.tests tbody tr")).to_have_count(len(VISIBLE))
        expect(page.locator(f"#submission-{ids[2]} .notice")).to_contain_text("at most 2 push(es)")
        expect(page.locator(f"#submission-{ids[1]}")).to_contain_text("could not be graded")
        text = page.content()
        for secret in HIDDEN_SECRETS:
            assert secret not in text
        shot = tmp_path / "candidate-page.png"
        page.screenshot(path=str(shot), full_page=True)
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, SHOTS / "candidate-page.png")
        page.close()
