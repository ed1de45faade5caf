"""A real browser: Debian's headless Chromium, driven by Playwright, against a live server.

It signs in as a reviewer, opens a graded report, checks that the chart, the
tests and the history timeline are there, watches the dashboard pick up a
status change by itself, opens the operations page as an admin, and saves
screenshots (under the test's tmp folder and
in /tmp/grader-screenshots/). Chromium missing is a failure, not a skip: CI
installs it (``apt-get install -y chromium``). ``playwright install`` is never
needed: the browser is the system's.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from redis import Redis
from rq import Queue, Worker

from grader import metrics
from grader.queue import QUEUE
from grader.store import repo
from grader.store.db import session_scope
from tests.api.pages_fixtures import World, add_copied_pair, fresh_world, reports
from tests.support.asgi import loopback_socket, serving
from tests.support.services import redis_server

__all__ = ["fresh_world", "reports"]

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path("/tmp/grader-screenshots")


@pytest.fixture
def live(fresh_world: World) -> Iterator[tuple[World, str]]:
    """The world's app served by uvicorn on a free loopback port."""
    sock, url = loopback_socket()
    with serving(fresh_world.app, sock):
        yield fresh_world, url


@pytest.fixture
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser test needs Debian's chromium "
            "(apt-get install -y chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def save(page: Any, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SCREENSHOTS / name)
    return path


def sign_in(page: Any, base: str, world: World, target: str, role: str = "reviewer") -> None:
    page.goto(base + target)
    assert "/login" in page.url, "a page without a session goes to the login page"
    page.fill("#token", world.tokens[role])
    page.click("button[type=submit]")
    page.wait_for_url(base + target)


def test_a_reviewer_reads_a_graded_report(
    live: tuple[World, str], browser: Any, tmp_path: Path
) -> None:
    world, base = live
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in(page, base, world, f"/submissions/{world.submissions['ada']}")

    assert page.locator("#skill-chart").is_visible()
    assert page.locator("#skill-chart g.bar").count() == 3
    assert page.locator("#tests-table tr.test").count() == 11
    failed = page.locator('#tests-table tr.test[data-outcome="failed"]')
    assert failed.count() == 2
    assert "AssertionError" in failed.first.locator("pre.message").inner_text()
    # Every commit the candidate made, those without findings too.
    assert page.locator("#timeline li[data-commit]").count() == 3
    assert "fixed stuff" in page.locator("#timeline").inner_text()
    assert "FAILURES" in page.locator("#output").inner_text()
    # What a reviewer should read: isolation, the static signal, what the audit hook saw.
    integrity = page.locator("#integrity").inner_text()
    assert "Isolation: process" in integrity and "wordfreq.py:3" in integrity
    assert "Seen while the tests ran" in integrity and "walks the call stack" in integrity
    save(page, tmp_path, "report.png")
    assert problems == []


def test_a_reviewer_reads_a_copied_pair_side_by_side(
    live: tuple[World, str], browser: Any, tmp_path: Path
) -> None:
    world, base = live
    original, copy = add_copied_pair(world)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in(page, base, world, f"/submissions/{copy}")
    row = page.locator(f'#similar-table tr.similar[data-other="{original}"]')
    assert "flagged" in row.inner_text()
    row.get_by_role("link", name="side by side").click()
    page.wait_for_url(f"**/submissions/{copy}/similar/{original}")
    fragments = page.locator(".sbs.fragment")
    assert fragments.count() >= 1
    first = fragments.first.locator(".code")
    assert first.count() == 2, "both sides' lines are shown"
    assert first.nth(0).is_visible() and first.nth(1).is_visible()
    assert "renamed_" in first.nth(0).inner_text()  # the copy's own names, on this side
    save(page, tmp_path, "similar.png")
    # The challenge's clusters, and back to this pair from there.
    page.locator("#challenge-similarity").click()
    page.wait_for_url("**/challenges/*/similarity")
    (cluster,) = page.locator("#cluster-table tr.cluster").all()
    assert cluster.get_attribute("data-size") == "2"
    save(page, tmp_path, "challenge-similarity.png")
    page.locator("#pair-table").get_by_role("link", name="side by side").click()
    page.wait_for_url(f"**/submissions/{copy}/similar/{original}")
    assert problems == []  # no style or script the page's CSP refused


def test_the_dashboard_follows_a_grading_without_a_reload(
    live: tuple[World, str], browser: Any, tmp_path: Path
) -> None:
    world, base = live
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in(page, base, world, "/")
    queued = world.submissions["dee"]
    badge = page.locator(f'tr[data-sub="{queued}"] [data-field="status"]')
    assert badge.inner_text() == "queued"
    page.evaluate("window.__same_page = true")

    with session_scope(world.settings.effective_database_url) as session:
        repo.claim(session, queued, "browser-test", 600)
    expect(badge).to_have_text("running", timeout=15_000)  # the page polls every 4 s
    assert page.evaluate("window.__same_page") is True, "the page was not reloaded"
    assert "badge s-running" in (badge.get_attribute("class") or "")
    save(page, tmp_path, "dashboard.png")

    page.locator(f'tr[data-sub="{world.submissions["ada"]}"] input[name=ids]').check()
    page.locator(f'tr[data-sub="{world.submissions["bob"]}"] input[name=ids]').check()
    page.get_by_role("button", name="Compare ticked").click()
    page.wait_for_url("**/compare?**")
    assert page.locator("#compare-chart").is_visible()
    save(page, tmp_path, "compare.png")
    assert problems == []


def test_the_api_docs_render_without_the_internet(
    live: tuple[World, str], browser: Any, tmp_path: Path
) -> None:
    """Swagger UI's files come from this server: every other host is refused here."""
    _world, base = live
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    elsewhere: list[str] = []

    def only_this_server(route: Any) -> None:
        if route.request.url.startswith(base):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto(base + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("grader", timeout=15_000)
    assert page.locator(".opblock").count() > 10  # the operations, from /openapi.json
    save(page, tmp_path, "api-docs.png")
    assert elsewhere == []


def test_an_admin_opens_the_operations_page(
    live: tuple[World, str], browser: Any, tmp_path: Path
) -> None:
    world, base = live
    with redis_server(tmp_path / "redis") as server:
        world.app.state.settings = world.settings.model_copy(update={"redis_url": server.url})
        client = Redis.from_url(server.url)
        processes = []
        for number, warm in ((1, 2), (2, 0)):
            worker = Worker(
                [Queue(QUEUE, connection=client)], connection=client, name=f"grader-w{number}-0"
            )
            worker.pid = 40000 + number  # two workers, as if two processes
            worker.register_birth()
            worker.set_state("busy" if number == 1 else "idle")
            worker.heartbeat()
            processes.append(f"{worker.hostname}:{worker.pid}")
            metrics.Recorder(client).warm(processes[-1], warm)
        dee = world.submissions["dee"]
        with session_scope(world.settings.effective_database_url) as session:
            repo.claim(session, dee, processes[1], 600)
            repo.release(session, dee, "infrastructure failure, retrying: Docker went away")
        with session_scope(world.settings.effective_database_url) as session:
            repo.claim(session, dee, processes[0], 600)  # grading it again, on the other
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        sign_in(page, base, world, "/", role="admin")
        page.locator("#operations-link").click()
        page.wait_for_url(base + "/operations")
        assert page.locator("#workers tr.worker").count() == 2
        assert page.locator("#failures tr.failure").count() == 1
        grading = page.locator('tr[data-worker="grader-w1-0"] [data-field="grading"]')
        assert grading.inner_text() == dee
        assert page.locator('tr[data-worker="grader-w1-0"] [data-field="state"]').inner_text() == (
            "busy"
        )
        assert page.locator("#redis-down").count() == 0
        save(page, tmp_path, "operations.png")
        assert problems == []
