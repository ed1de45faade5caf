"""A real browser walks a review: the round view, a comparison, a report, a decision.

Headless Chromium through Playwright, as tests/api/test_browser.py starts it,
against a live server. Screenshots go under the test's tmp folder and
/tmp/shots/decisions/.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from grader.hosting import invitations
from tests.api.pages_fixtures import CHALLENGE, World, fresh_world, reports
from tests.api.test_browser import browser, live, sign_in

__all__ = ["browser", "fresh_world", "live", "reports"]

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/decisions")
LOADED_S = 30_000  # a form's post and the page it leads to, on a busy machine (ms)


def save(page: Any, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / name)


def fits(page: Any) -> bool:
    """Nothing wider than the window: no horizontal scroll bar on the page."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_reviewer_compares_two_and_records_a_decision(
    live: tuple[World, str], browser: Any, tmp_path: Path
) -> None:
    world, base = live
    invitations.invite(world.settings, CHALLENGE, "eve.longname-for-the-layout@example.com", "t")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in(page, base, world, "/")

    # The round view: everyone, the invited candidate who never pushed too.
    waiting = page.locator('tr.not-pushed[data-candidate^="eve."]')
    expect(waiting).to_contain_text("not pushed yet")
    assert page.locator("tr.candidate").count() == 5
    assert fits(page)
    save(page, tmp_path, "round-view.png")

    # Nothing ticked: a message on the compare page, not an error page.
    page.get_by_role("button", name="Compare ticked").click()
    page.wait_for_url("**/compare**")
    expect(page.locator("#compare-problem")).to_contain_text("none was ticked")
    save(page, tmp_path, "compare-none-ticked.png")
    page.go_back()

    for name in ("ada", "bob"):
        page.locator(f'tr[data-sub="{world.submissions[name]}"] input[name=ids]').check()
    expect(page.locator(".tick-count")).to_contain_text("2 ticked: ready to compare.")
    page.get_by_role("button", name="Compare ticked").click()
    page.wait_for_url("**/compare?**")
    assert page.locator("#compare-chart").is_visible()
    assert page.locator("#compare-table thead th").count() == 3
    assert fits(page)
    save(page, tmp_path, "compare.png")
    four = "&".join(f"ids={world.submissions[n]}" for n in ("ada", "bob", "cy", "dee"))
    page.set_viewport_size({"width": 900, "height": 900})
    page.goto(base + f"/challenges/{CHALLENGE}/compare?{four}")
    assert page.locator("#compare-table thead th").count() == 5
    assert fits(page), "four columns fit a narrow window"
    save(page, tmp_path, "compare-four-narrow.png")
    page.set_viewport_size({"width": 1280, "height": 900})

    # The report, then a decision with notes and a comment on a test.
    page.goto(base + f"/submissions/{world.submissions['ada']}")
    review = page.locator("#review")
    expect(review).to_contain_text("No comment yet.")
    review.get_by_label("advance").check()
    page.fill("#decision-notes", "Clear tests; ask about the .env commit.")
    review.get_by_role("button", name="Record the decision").click()
    page.wait_for_url(f"**/submissions/{world.submissions['ada']}#review", timeout=LOADED_S)
    expect(page.locator("#current-decision .d-advance")).to_have_text("advance")
    expect(page.locator("#decision-history")).to_contain_text("ask about the .env commit")
    page.select_option("#comment-target", index=0)
    page.fill("#comment-body", "Fails on an empty text: why?")
    review.get_by_role("button", name="Add the comment").click()
    page.wait_for_url(re.compile(r"#comment-\d+$"), timeout=LOADED_S)
    expect(page.locator("#comments li.comment")).to_have_count(1)
    save(page, tmp_path, "report.png")
    page.locator("#review").screenshot(path=str(SHOTS / "report-review-block.png"))

    # Back on the round view, the decision is in the candidate's row.
    page.goto(base + "/?sort=decision&order=asc")
    first = page.locator("tr.candidate").first
    expect(first).to_have_attribute("data-candidate", "ada@example.com")
    expect(first.locator(".d-advance")).to_have_text("advance")
    save(page, tmp_path, "round-view-decided.png")
    assert problems == []  # no style or script the pages' CSP refused
