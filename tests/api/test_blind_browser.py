"""Blind review in a real browser: a reviewer's dashboard and a blinded report.

The blinded world (tests/api/blind_fixtures.py) served live, Chromium as in
tests/api/test_browser.py; the screenshots go to /tmp/shots/blind/ too.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.blind_fixtures import EMAIL, NAME, Blinded, build_blinded
from tests.api.pages_fixtures import reports
from tests.api.test_browser import browser, sign_in
from tests.support.asgi import loopback_socket, serving

__all__ = ["browser", "reports"]

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/blind")


@pytest.fixture
def live(tmp_path: Path, reports: dict[str, dict[str, Any]]) -> Iterator[tuple[Blinded, str]]:
    for blinded in build_blinded(tmp_path, reports):
        sock, url = loopback_socket()
        with serving(blinded.world.app, sock):
            yield blinded, url


def save(page: Any, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / name), full_page=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / name, SHOTS / name)


def test_a_reviewer_reads_a_blinded_round(
    live: tuple[Blinded, str], browser: Any, tmp_path: Path
) -> None:
    blinded, base = live
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in(page, base, blinded.world, "/?sort=candidate&order=asc")
    board = page.locator("table.results").inner_text()
    assert "Candidate " in board and "@" not in board
    save(page, tmp_path, "dashboard-blinded.png")

    page.goto(f"{base}/submissions/{blinded.graded}")
    assert page.locator("#blinded").inner_text() == "blind review"
    shown = page.locator("body").inner_text()
    assert EMAIL not in shown and NAME not in shown and blinded.clone_url not in shown
    assert "(repository hidden: blind review)" in shown
    assert "as Candidate " in page.locator("#timeline").inner_text()
    save(page, tmp_path, "report-blinded.png")
    assert problems == []
