"""The round view: every invited candidate, decisions, filters and sorting, exports, polling."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from api.round import seconds_left, time_left_text
from grader.hosting import invitations
from grader.store import repo
from grader.store.db import session_scope
from tests.api.pages_fixtures import CHALLENGE, World, build_world, reports

__all__ = ["reports"]


@pytest.fixture(scope="module")
def round_world(
    tmp_path_factory: pytest.TempPathFactory, reports: dict[str, object]
) -> Iterator[World]:
    """The world, plus eve (invited, never pushed), decisions, and two quiet challenges."""
    for world in build_world(tmp_path_factory.mktemp("round"), reports):  # type: ignore[arg-type]
        eve = invitations.invite(world.settings, CHALLENGE, "eve@example.com", "test")["id"]
        world.tokens["eve-invitation"] = str(eve)
        with session_scope(world.settings.effective_database_url) as session:
            for quiet in ("aa-quiet", "zz-quiet"):
                repo.upsert_challenge(
                    session,
                    challenge_id=quiet,
                    title=f"Quiet {quiet[:2]}",
                    language="python",
                    source="/nowhere",
                    version="v1",
                    commit=None,
                    root="/nowhere",
                    skills=[],
                    test_count=0,
                )
        staff = world.auth("reviewer")
        post = world.client.post
        for name, verdict in (("bob", "hold"), ("bob", "advance"), ("cy", "reject")):
            path = f"/api/submissions/{world.submissions[name]}/decisions"
            assert post(path, headers=staff, json={"decision": verdict}).status_code == 201
        path = f"/api/invitations/{eve}/decisions"
        assert post(path, headers=staff, json={"decision": "hold"}).status_code == 201
        world.sign_in()
        yield world


def rows(html: str) -> list[str]:
    """The candidates the round view lists, in order."""
    return re.findall(r'<tr class="candidate[^"]*"[^>]*data-candidate="([^"]+)"', html)


def test_an_invited_candidate_who_never_pushed_is_listed(round_world: World) -> None:
    page = round_world.client.get("/")
    assert page.status_code == 200
    assert set(rows(page.text)) == {
        "ada@example.com",
        "bob@example.com",
        "cy@example.com",
        "dee@example.com",
        "eve@example.com",
    }
    eve = re.search(
        r'<tr class="candidate not-pushed"[^>]*eve@example.com.*?</tr>', page.text, re.S
    )
    assert eve is not None
    assert "not pushed yet" in eve.group(0) and 'name="ids"' not in eve.group(0)
    assert 'class="badge d-hold"' in eve.group(0)  # the decision about her
    assert "5 candidates, 4 submissions" in page.text


def test_the_current_decision_is_the_newest(round_world: World) -> None:
    html = round_world.client.get("/?sort=candidate&order=asc").text
    bob = re.search(r'data-candidate="bob@example.com".*?</tr>', html, re.S)
    assert bob is not None and 'class="badge d-advance"' in bob.group(0)
    assert "d-hold" not in bob.group(0)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=invited", ["eve@example.com"]),
        ("status=queued", ["dee@example.com"]),
        ("decision=advance", ["bob@example.com"]),
        ("decision=none", ["ada@example.com", "dee@example.com"]),
        ("q=AD", ["ada@example.com"]),
        ("status=graded&decision=reject", ["cy@example.com"]),
    ],
)
def test_the_filters_narrow_the_round(round_world: World, query: str, expected: list[str]) -> None:
    page = round_world.client.get(f"/?sort=candidate&order=asc&{query}")
    assert page.status_code == 200
    assert rows(page.text) == expected
    assert f"· {len(expected)} shown" in page.text
    assert 'id="clear-filters"' in page.text


@pytest.mark.parametrize("query", ["status=lost", "decision=maybe", "q=" + "x" * 201])
def test_a_bad_filter_is_a_422(round_world: World, query: str) -> None:
    assert round_world.client.get(f"/?{query}").status_code == 422


def test_sorting_by_decision_puts_the_undecided_last(round_world: World) -> None:
    by_decision = rows(round_world.client.get("/?sort=decision&order=asc").text)
    assert by_decision[:3] == ["bob@example.com", "eve@example.com", "cy@example.com"]
    assert set(by_decision[3:]) == {"ada@example.com", "dee@example.com"}
    by_name = rows(round_world.client.get("/?sort=candidate&order=desc").text)
    assert by_name == sorted(by_name, reverse=True)


def test_sort_links_keep_the_filters(round_world: World) -> None:
    html = round_world.client.get("/?status=graded&q=example").text
    assert 'href="?sort=overall&amp;order=desc&amp;status=graded&amp;q=example"' in html


def test_challenges_with_activity_come_first(round_world: World) -> None:
    html = round_world.client.get("/").text
    order = re.findall(r'<section class="card round" id="challenge-([^"]+)"', html)
    assert order == [CHALLENGE, "aa-quiet", "zz-quiet"]
    assert "No one is invited and nothing was submitted yet." in html
    only = round_world.client.get("/?challenge=zz-quiet").text
    assert re.findall(r'id="challenge-([^"]+)"', only) == ["zz-quiet"]


def test_the_round_view_exports_csv_and_json(round_world: World) -> None:
    html = round_world.client.get("/").text
    assert f'href="/challenges/{CHALLENGE}/results.csv">Export CSV' in html
    assert f'href="/challenges/{CHALLENGE}/results.json">Export JSON' in html
    page_json = round_world.client.get(f"/challenges/{CHALLENGE}/results.json")
    api_json = round_world.client.get(
        f"/api/challenges/{CHALLENGE}/results.json", headers=round_world.auth("reviewer")
    )
    assert page_json.status_code == 200 and "attachment" in page_json.headers["content-disposition"]
    assert page_json.json() == api_json.json()


def test_the_poll_follows_the_filters(round_world: World) -> None:
    everything = round_world.client.get("/dashboard.json").json()
    assert len(everything["latest"]) == 4  # eve has no submission to follow
    queued = round_world.client.get("/dashboard.json?status=queued").json()
    assert queued["latest"] == [round_world.submissions["dee"]]


def test_the_compare_page_shows_each_decision(round_world: World) -> None:
    ids = f"{round_world.submissions['bob']},{round_world.submissions['cy']}"
    html = round_world.client.get(f"/challenges/{CHALLENGE}/compare?ids={ids}").text
    decisions = re.search(r'<tr id="compare-decisions">.*?</tr>', html, re.S)
    assert decisions is not None
    assert "d-advance" in decisions.group(0) and "d-reject" in decisions.group(0)


@dataclass
class Window:
    """An invitation's window, as grader/hosting/deadlines.py reads one."""

    opens_at: datetime | None = None
    due_at: datetime | None = None
    duration_s: int | None = None
    started_at: datetime | None = None
    late_policy: str = "refuse"


NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("window", "text", "seconds"),
    [
        (None, None, None),
        (Window(), None, None),
        (Window(duration_s=72 * 3600), "3d from the first clone", None),
        (Window(due_at=NOW + timedelta(days=2, hours=4, minutes=10)), "2d 4h 10m left", 187800),
        (Window(duration_s=3600, started_at=NOW - timedelta(hours=2)), "deadline passed", -3600),
    ],
)
def test_the_time_left_follows_the_invitations_window(
    window: Window | None, text: str | None, seconds: float | None
) -> None:
    assert time_left_text(window, NOW) == text  # type: ignore[arg-type]
    assert seconds_left(window, NOW) == seconds  # type: ignore[arg-type]
