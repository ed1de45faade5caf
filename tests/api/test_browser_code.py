"""A real browser reads a submission's code: the report's file tree, a file, the diffs.

The repository is the hostile one (tests/support/hostile.py): no name or
content may run as HTML (a dialog opened by ``alert`` fails the test), the
5 MB file and the binary are summaries, the symlink is only its target.
Screenshots go to /tmp/shots/code/ as well as the test's tmp folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.api.conftest import create_token
from tests.api.git_fixtures import Hosting, hosted
from tests.api.pages_fixtures import World, fresh_world, reports
from tests.api.test_attempts import push_three_attempts
from tests.api.test_browser import browser, live, save, sign_in
from tests.api.test_code import add_hostile
from tests.support.hostile import BIG_NAME, LINK_NAME, SCRIPT_NAME

__all__ = ["browser", "fresh_world", "hosted", "live", "reports"]

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/code")


def shot(page: Any, tmp_path: Path, name: str) -> None:
    saved = save(page, tmp_path, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(saved, SHOTS / name)


def test_a_reviewer_reads_the_code_and_the_diffs(
    live: tuple[World, str], browser: Any, tmp_path: Path
) -> None:
    world, base = live
    made, submission = add_hostile(world)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in(page, base, world, f"/submissions/{submission}")

    tree = page.locator("#code-tree")
    assert SCRIPT_NAME in tree.inner_text() and "5.0 MB" in tree.inner_text()
    assert page.locator("#explained #formula").is_visible()
    shot(page, tmp_path, "report-with-code.png")

    page.click("#code-tree a:text-is('wordfreq.py')")
    page.wait_for_url("**/code?path=wordfreq.py")
    assert "def count_words" in page.locator("#file .hl").inner_text()
    assert page.locator("#file .hl .kn").first.inner_text() == "from"  # highlighted
    shot(page, tmp_path, "code-file.png")

    page.goto(f"{base}/submissions/{submission}/code?path={quote(SCRIPT_NAME, safe='')}")
    assert "<script>alert('content')</script>" in page.locator("#file .hl").inner_text()
    page.goto(f"{base}/submissions/{submission}/code?path={quote(LINK_NAME)}")
    assert "/etc/passwd" in page.locator("#file-summary").inner_text()
    page.goto(f"{base}/submissions/{submission}/code?path={quote(BIG_NAME)}")
    assert "not shown" in page.locator("#file-summary").inner_text()

    page.goto(f"{base}/submissions/{submission}")
    page.click("#starter-diff")
    page.wait_for_url(f"**/submissions/{submission}/diff")
    assert page.locator(".diff").count() == 8
    assert (
        "+    return Counter(text.lower().split())"
        in page.locator(".diff tr.add").all_inner_texts()
    )
    shot(page, tmp_path, "diff-starter.png")

    page.goto(f"{base}/submissions/{submission}/commits/{made.graded}")
    assert "Add a file outside" in page.locator("h1 + p").inner_text()
    shot(page, tmp_path, "diff-commit.png")
    assert dialogs == [] and problems == []


def test_a_reviewer_sees_every_attempt_and_the_rewritten_history(
    hosted: Hosting, browser: Any, tmp_path: Path
) -> None:
    ids, _first, second, _third = push_three_attempts(hosted, tmp_path)
    base = hosted.server.url
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/submissions/{ids[2]}")
    page.fill("#token", create_token(hosted.server.settings, "reviewer"))
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/submissions/{ids[2]}")

    assert page.locator("#attempts tr.attempt").count() == 3
    assert "(this page)" in page.locator("#attempts tr.current").inner_text()
    rewrite = page.locator("#rewrites").inner_text()
    assert second[:10] in rewrite and "Write down <em>second</em> thoughts" in rewrite
    assert "NOTES.md" in page.locator("#code-tree").inner_text()
    shot(page, tmp_path, "report-attempts-rewrite.png")
    page.click("#attempts tr.attempt >> nth=0 >> a")
    page.wait_for_url(f"{base}/submissions/{ids[0]}")
    assert page.locator("#rewrites").count() == 0  # the rewrite came after this grading
