"""A real browser on a regrade's diff page: an admin reads the diff and publishes it, then the
report links the result it replaced. Screenshots go to /tmp/shots/regrade/ (and the test's
tmp folder). Chromium and its fixtures are tests/api/test_browser.py's."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.api.pages_fixtures import World, fresh_world, reports
from tests.api.test_browser import browser, live, sign_in
from tests.support.regrades import Round, finish_shadows

__all__ = ["browser", "fresh_world", "live", "reports"]

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/regrade")


def shot(page: Any, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / name), full_page=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / name, SHOTS / name)


def test_an_admin_reads_a_regrade_diff_and_publishes_it(
    live: tuple[World, str], browser: Any, tmp_path: Path
) -> None:
    world, base = live
    started = world.client.post(
        "/api/regrades", json={"challenge": "word-frequency"}, headers=world.auth("admin")
    ).json()
    graded = {name: world.submissions[name] for name in ("ada", "bob", "cy")}
    finish_shadows(
        Round(world.settings, graded),
        started["id"],
        {"ada": "complete", "bob": "partial", "cy": None},
    )
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in(page, base, world, f"/regrades/{started['id']}", role="admin")

    summary = {
        key: page.locator(f'#summary [data-change="{key}"] strong').inner_text()
        for key in ("up", "down", "unchanged", "errored", "pending")
    }
    assert summary == {"up": "1", "down": "1", "unchanged": "0", "errored": "1", "pending": "0"}
    ada = page.locator(f"#s-{world.submissions['ada']}")
    assert "test_punctuation_separates_words" in ada.inner_text()
    assert ada.locator(".plus").is_visible()
    assert "infrastructure failed" in page.locator(f"#s-{world.submissions['cy']}").inner_text()
    shot(page, tmp_path, "regrade-diff.png")

    page.click("#publish")
    page.wait_for_url(f"{base}/regrades/{started['id']}")
    assert "Published by" in page.locator(".notice").inner_text()
    page.goto(f"{base}/submissions/{world.submissions['ada']}")
    assert "published by" in page.locator("dd.regraded").inner_text()
    shot(page, tmp_path, "report-after-publication.png")
    assert problems == []  # no style or script the pages' CSP refused
