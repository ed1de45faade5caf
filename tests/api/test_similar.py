"""Similar submissions: the API (staff only), the report page's section and the side-by-side page.

The pair is a candidate's solution and another candidate's disguised copy of
it (renamed, reordered, reformatted: tests/grader/similarity/disguise.py),
both graded and compared as the worker does, their repositories bare ones on
this host.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.deps import session_secret
from api.identity import pseudonym
from grader.similarities import Indexes
from tests.api.pages_fixtures import (
    CHALLENGE,
    INDEPENDENT,
    World,
    add_compared,
    add_copied_pair,
    fresh_world,
    reports,
    world,
)

__all__ = ["fresh_world", "reports", "world"]


@pytest.fixture(scope="module")
def pair(world: World) -> Iterator[tuple[str, str]]:
    yield add_copied_pair(world)


def alias(world: World, email: str) -> str:
    """What the other submission is called: its candidate's pseudonym (api/identity.py)."""
    return pseudonym(session_secret(world.settings), CHALLENGE, email)


def similar(world: World, submission_id: str, role: str = "reviewer") -> dict[str, Any]:
    response = world.client.get(
        f"/api/submissions/{submission_id}/similar", headers=world.auth(role)
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


# -- the API -------------------------------------------------------------------------------
def test_the_copy_names_the_original_by_a_pseudonym_with_its_fragments(
    world: World, pair: tuple[str, str]
) -> None:
    original, copy = pair
    found = similar(world, copy)
    assert found["computed"] is True and found["threshold"] == 0.5
    top = found["submissions"][0]
    assert top["other"] == original and top["kind"] == "submission"
    assert top["label"] == alias(world, "fay@example.com")
    assert top["label"].startswith("Candidate ") and len(top["label"]) == len("Candidate 7F3A2C")
    assert top["flagged"] is True and top["similarity"] >= 0.5
    assert top["similarity"] == max(top["share_this"], top["share_other"])
    fragment = top["fragments"][0]
    assert fragment["this"]["path"] == fragment["other"]["path"] == "wordfreq.py"
    assert 1 <= fragment["this"]["start_line"] <= fragment["this"]["end_line"]
    assert "fay@example.com" not in str(found) and "gus@example.com" not in str(found)
    assert [r["other"] for r in found["references"]] == ["solution"]
    assert found["starter"]["kind"] == "starter" and found["starter"]["flagged"] is False


def test_the_original_sees_the_later_copy_the_other_way_round(
    world: World, pair: tuple[str, str]
) -> None:
    original, copy = pair
    there = similar(world, copy)["submissions"][0]
    here = similar(world, original, "admin")["submissions"][0]
    assert here["other"] == copy and here["label"] == alias(world, "gus@example.com")
    assert (here["share_this"], here["share_other"]) == (there["share_other"], there["share_this"])
    assert here["fragments"][0]["this"] == there["fragments"][0]["other"]


def test_a_submission_never_compared_says_so(world: World) -> None:
    found = similar(world, world.submissions["ada"])
    assert found["computed"] is False and found["submissions"] == []


def test_candidates_may_not_see_similarities(world: World, pair: tuple[str, str]) -> None:
    response = world.client.get(
        f"/api/submissions/{pair[1]}/similar", headers=world.auth("candidate")
    )
    assert response.status_code == 403
    assert (
        world.client.get("/api/submissions/nope/similar", headers=world.auth("admin")).status_code
        == 404
    )


# -- the pages -----------------------------------------------------------------------------
def test_the_report_lists_the_similar_submissions_with_a_link_side_by_side(
    world: World, pair: tuple[str, str]
) -> None:
    original, copy = pair
    html = world.page(f"/submissions/{copy}")
    assert "Similar submissions" in html and 'id="similar-table"' in html
    assert alias(world, "fay@example.com") in html and "fay@example.com" not in html
    assert f'href="/submissions/{copy}/similar/{original}"' in html
    assert "flagged" in html


def test_the_report_of_a_submission_nothing_resembles_says_so(world: World) -> None:
    alone = add_compared(world, Indexes(), "hal", "hal@example.com", "x = 1\n")
    assert 'id="no-similar"' in world.page(f"/submissions/{alone}")
    assert "was not compared" in world.page(f"/submissions/{world.submissions['ada']}")


def test_the_side_by_side_page_shows_both_sides_lines_with_numbers(
    world: World, pair: tuple[str, str]
) -> None:
    original, copy = pair
    html = world.page(f"/submissions/{copy}/similar/{original}")
    assert 'class="sbs fragment"' in html and 'class="ln"' in html
    assert "renamed_" in html  # the copy's lines (its names are the disguise's)
    original_lines = [line.strip() for line in INDEPENDENT.splitlines() if "def " in line]
    assert any(line in html for line in original_lines)  # the original's lines
    assert "could not be read" not in html and "line ranges only" not in html


def test_unreadable_repositories_show_the_line_ranges_with_a_note(fresh_world: World) -> None:
    original, copy = add_copied_pair(fresh_world, hosted=False)
    html = fresh_world.page(f"/submissions/{copy}/similar/{original}")
    assert "not on this server: line ranges only" in html
    assert 'class="ln"' not in html
    assert "The file could not be read here: lines" in html


def test_a_pair_that_was_not_found_similar_is_404(world: World, pair: tuple[str, str]) -> None:
    world.client.cookies.clear()
    world.sign_in("reviewer")
    assert world.client.get(f"/submissions/{pair[1]}/similar/nobody").status_code == 404
    assert world.client.get("/submissions/nobody/similar/x").status_code == 404


def test_the_side_by_side_page_needs_a_session(world: World, pair: tuple[str, str]) -> None:
    world.client.cookies.clear()
    response = world.client.get(f"/submissions/{pair[1]}/similar/{pair[0]}", follow_redirects=False)
    assert response.status_code == 303
