"""A challenge's similar pairs and clusters: the API (staff only) and the reviewer page.

Three candidates: fay wrote a solution, gus handed in a disguised copy of it,
hal a disguised copy of gus's (one cluster of three); ivy wrote the catalogue's
reference solution, which is independent of fay's (in no cluster). All are
graded and compared as the worker does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.identity import Identities
from grader.config import PROJECT_ROOT
from grader.similarities import Indexes
from grader.store.db import session_scope
from grader.store.models import TokenRow
from tests.api.pages_fixtures import (
    CHALLENGE,
    INDEPENDENT,
    World,
    add_compared,
    fresh_world,
    reports,
    world,
)
from tests.grader.similarity.disguise import disguise

__all__ = ["fresh_world", "reports", "world"]

REFERENCE = (PROJECT_ROOT / "challenges/word-frequency/solution/wordfreq.py").read_text()


def pseudonym(world: World, submission_id: str) -> str:
    """How the identity presenter names another submission in a similarity."""
    with session_scope(world.settings.effective_database_url) as session:
        reviewer = TokenRow(id=0, role="reviewer", name="", token_hash="")
        return Identities(session, world.settings, reviewer).label(submission_id)


@pytest.fixture(scope="module")
def round_of_four(world: World) -> Iterator[dict[str, str]]:
    indexes = Indexes()
    ids = {
        "fay": add_compared(world, indexes, "fay", "fay@example.com", INDEPENDENT),
        "ivy": add_compared(world, indexes, "ivy", "ivy@example.com", REFERENCE),
        "gus": add_compared(world, indexes, "gus", "gus@example.com", disguise(INDEPENDENT)),
    }
    hal = disguise(disguise(INDEPENDENT)) + "\n\ndef extra(n):\n    return n + 1\n"
    ids["hal"] = add_compared(world, indexes, "hal", "hal@example.com", hal)
    yield ids


def overview(world: World, query: str = "", role: str = "reviewer") -> dict[str, Any]:
    response = world.client.get(
        f"/api/challenges/{CHALLENGE}/similarity{query}", headers=world.auth(role)
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_the_copies_form_one_cluster_and_the_independent_solution_none(
    world: World, round_of_four: dict[str, str]
) -> None:
    ids = round_of_four
    found = overview(world)
    assert found["threshold"] == 0.5
    (cluster,) = found["clusters"]
    assert set(cluster["submissions"]) == {ids["fay"], ids["gus"], ids["hal"]}
    assert cluster["size"] == 3 and ids["ivy"] not in cluster["submissions"]
    assert cluster["labels"] == [pseudonym(world, sid) for sid in cluster["submissions"]]
    pairs = found["pairs"]
    assert len(pairs) == 3 and all(p["similarity"] >= 0.5 for p in pairs)
    assert [p["similarity"] for p in pairs] == sorted(
        (p["similarity"] for p in pairs), reverse=True
    )
    assert cluster["max_share"] == pairs[0]["similarity"]
    assert "@" not in str(found)  # pseudonyms, never emails


def test_a_pair_has_the_figures_of_the_submissions_similar_view(
    world: World, round_of_four: dict[str, str]
) -> None:
    for pair in overview(world, role="admin")["pairs"]:
        response = world.client.get(
            f"/api/submissions/{pair['later']}/similar", headers=world.auth("reviewer")
        )
        (match,) = [m for m in response.json()["submissions"] if m["other"] == pair["earlier"]]
        assert (match["similarity"], match["share_this"], match["share_other"]) == (
            pair["similarity"],
            pair["share_later"],
            pair["share_earlier"],
        )


def test_a_higher_share_asked_for_lists_fewer_pairs(
    world: World, round_of_four: dict[str, str]
) -> None:
    closest = overview(world)["pairs"][0]
    found = overview(world, f"?above={closest['similarity']}")
    assert found["threshold"] == closest["similarity"] and found["pairs"] == [closest]
    (cluster,) = found["clusters"]
    assert cluster["submissions"] == [closest["later"], closest["earlier"]]


def test_candidates_may_not_see_it_and_an_unknown_challenge_is_404(world: World) -> None:
    url = f"/api/challenges/{CHALLENGE}/similarity"
    assert world.client.get(url, headers=world.auth("candidate")).status_code == 403
    assert world.client.get(url).status_code == 401
    missing = world.client.get("/api/challenges/nope/similarity", headers=world.auth("admin"))
    assert missing.status_code == 404
    bad = world.client.get(url + "?above=2", headers=world.auth("admin"))
    assert bad.status_code == 422


def test_the_page_lists_the_cluster_and_links_each_pair_side_by_side(
    world: World, round_of_four: dict[str, str]
) -> None:
    html = world.page(f"/challenges/{CHALLENGE}/similarity")
    assert html.count('<tr class="cluster"') == 1 and 'data-size="3"' in html
    for pair in overview(world)["pairs"]:
        assert f'href="/submissions/{pair["later"]}/similar/{pair["earlier"]}"' in html
        side = world.page(f"/submissions/{pair['later']}/similar/{pair['earlier']}")
        assert f'href="/challenges/{CHALLENGE}/similarity"' in side
    assert pseudonym(world, round_of_four["ivy"]) not in html and "@example.com" not in html


def test_the_page_says_when_nothing_is_similar(fresh_world: World) -> None:
    assert overview(fresh_world) == {
        "challenge": CHALLENGE,
        "threshold": 0.5,
        "pairs": [],
        "clusters": [],
    }
    assert 'id="no-clusters"' in fresh_world.page(f"/challenges/{CHALLENGE}/similarity")
    fresh_world.client.cookies.clear()
    url = f"/challenges/{CHALLENGE}/similarity"
    response = fresh_world.client.get(url, follow_redirects=False)
    assert response.status_code == 303


def test_the_round_view_flags_each_candidate_of_a_cluster(
    world: World, round_of_four: dict[str, str]
) -> None:
    html = world.page("/")
    for name in ("fay", "gus", "hal", "ivy"):
        row = html.split(f'data-sub="{round_of_four[name]}"', 1)[1].split("</tr>", 1)[0]
        flagged = "similar #1" in row and f'href="/challenges/{CHALLENGE}/similarity"' in row
        assert flagged == (name != "ivy"), name
