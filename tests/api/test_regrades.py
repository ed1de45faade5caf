"""Regrades through the API and the pages: nobody but an admin sees a shadow result before
publication (API, pages, exports); the diff; publish, discard and their conflicts; and the
report page's "same code as attempt N" and link to the result a regrade replaced."""

from __future__ import annotations

import re
from typing import Any

from grader.store import hosted, repo
from grader.store.db import session_scope
from tests.api.pages_fixtures import CHALLENGE, World, fresh_world, reports
from tests.support.regrades import Round, finish_shadows

__all__ = ["fresh_world", "reports"]
GRADED = ("ada", "bob", "cy")


def start(world: World, **body: Any) -> str:
    response = world.client.post(
        "/api/regrades", json={"challenge": CHALLENGE, **body}, headers=world.auth("admin")
    )
    assert response.status_code == 202, response.text
    started = response.json()
    assert started["queued"] is False  # Redis is closed in these tests: recovery queues them
    return str(started["id"])


def finish(world: World, regrade_id: str, outcomes: dict[str, str | None]) -> None:
    graded = {name: world.submissions[name] for name in GRADED}
    finish_shadows(Round(world.settings, graded), regrade_id, outcomes)


def seen_by_others(world: World) -> dict[str, Any]:
    """What reviewers and candidates are shown of ada, and the exports."""
    ada = world.submissions["ada"]
    reviewer, candidate = world.auth("reviewer"), world.auth("candidate")
    world.sign_in("reviewer")
    page = world.client.get(f"/submissions/{ada}").text
    return {
        "report": world.client.get(f"/api/submissions/{ada}/report", headers=reviewer).json(),
        "status": world.client.get(f"/api/submissions/{ada}", headers=candidate).json()["overall"],
        "list": world.client.get("/api/submissions", headers=reviewer).json(),
        "json": world.client.get(
            f"/api/challenges/{CHALLENGE}/results.json", headers=reviewer
        ).json(),
        "csv": world.client.get(f"/api/challenges/{CHALLENGE}/results.csv", headers=reviewer).text,
        "page": re.search(r'id="overall">([^<]*)<', page).group(1),  # type: ignore[union-attr]
        "dashboard": world.client.get("/dashboard.json").json(),
    }


def test_nobody_but_an_admin_sees_shadow_results_before_publication(fresh_world: World) -> None:
    world = fresh_world
    before = seen_by_others(world)
    regrade_id = start(world)
    finish(world, regrade_id, {"ada": "complete", "bob": "complete", "cy": "failing"})
    assert seen_by_others(world) == before
    detail = world.client.get(f"/api/regrades/{regrade_id}", headers=world.auth("admin")).json()
    shadow = next(d for d in detail["submissions"] if d["candidate"] == "ada@example.com")
    new = shadow["new_overall"]
    assert shadow["change"] == "up" and new > before["report"]["overall"]
    # the regrade itself is an admin's: a reviewer gets 403 from the API and 404 from its page
    assert (
        world.client.get(f"/api/regrades/{regrade_id}", headers=world.auth("reviewer")).status_code
        == 403
    )
    world.sign_in("reviewer")
    assert world.client.get(f"/regrades/{regrade_id}").status_code == 404

    published = world.client.post(
        f"/api/regrades/{regrade_id}/publish", headers=world.auth("admin")
    )
    assert published.json() == {"id": regrade_id, "state": "published", "published": 3, "kept": 0}
    after = seen_by_others(world)
    assert after["report"]["overall"] == after["status"] == new
    assert after["page"] == f"{new:.1f}" != before["page"]
    assert after["csv"] != before["csv"]

    # the report links the result it replaced, which a reviewer may open
    page = world.client.get(f"/submissions/{world.submissions['ada']}").text
    assert "published by token:" in page and f"/regrades/{regrade_id}" in page
    previous = world.client.get(
        f"/regrades/{regrade_id}/previous/{world.submissions['ada']}.json"
    ).json()
    assert previous["overall"] == before["report"]["overall"]
    assert previous["report"]["tests"] == before["report"]["tests"]
    assert world.client.get(f"/regrades/{regrade_id}").status_code == 200  # published: shown


def test_the_diff_and_the_refusals(fresh_world: World) -> None:
    world, admin = fresh_world, fresh_world.auth("admin")
    regrade_id = start(world, candidate="ada@example.com")
    again = world.client.post("/api/regrades", json={"challenge": CHALLENGE}, headers=admin)
    assert again.status_code == 400
    assert again.json()["detail"] == (
        f"regrade {regrade_id} of {CHALLENGE} is running: "
        "publish or discard it before starting another"
    )
    early = world.client.post(f"/api/regrades/{regrade_id}/publish", headers=admin)
    assert early.status_code == 409
    assert early.json()["detail"] == (
        f"regrade {regrade_id} is still running: 1 shadow grading(s) have not finished; "
        "publish it once it is ready, or discard it"
    )
    finish(world, regrade_id, {"ada": "complete"})
    detail = world.client.get(f"/api/regrades/{regrade_id}", headers=admin).json()
    assert detail["state"] == "ready" and detail["selection"]["candidate"] == "ada@example.com"
    assert detail["summary"] == {"up": 1, "down": 0, "unchanged": 0, "errored": 0, "pending": 0}
    (ada,) = detail["submissions"]
    assert ada["change"] == "up" and ada["new_overall"] == 89.4  # complete, messy history
    assert {s["name"]: s["new"] for s in ada["skills"]}["programming"] == 100.0
    assert {t["id"].split("::")[1] for t in ada["tests"]} == {
        "test_punctuation_separates_words",
        "test_apostrophes_inside_words_are_kept",
    }
    listed = world.client.get("/api/regrades", headers=admin).json()
    assert [r["id"] for r in listed] == [regrade_id]

    discarded = world.client.post(f"/api/regrades/{regrade_id}/discard", headers=admin)
    assert discarded.json()["state"] == "discarded"
    late = world.client.post(f"/api/regrades/{regrade_id}/publish", headers=admin)
    assert late.status_code == 409 and "is already discarded by token:" in late.json()["detail"]
    missing = world.client.post("/api/regrades/nope/discard", headers=admin)
    assert (missing.status_code, missing.json()["detail"]) == (404, "no regrade nope")
    assert (
        world.client.get(
            f"/api/regrades/{regrade_id}/previous/{world.submissions['ada']}",
            headers=admin,
        ).status_code
        == 404
    )


def test_an_admin_starts_reads_and_publishes_a_regrade_from_the_pages(fresh_world: World) -> None:
    world = fresh_world
    world.sign_in("admin")
    started = world.client.post(
        "/regrades", data={"challenge": CHALLENGE, "only": "graded"}, follow_redirects=False
    )
    assert started.status_code == 303
    page_url = started.headers["location"]
    regrade_id = page_url.rsplit("/", 1)[1]
    running = world.client.get(page_url).text
    assert "3 shadow grading(s) still running" in running and 'id="publish"' not in running
    finish(world, regrade_id, {"ada": "complete", "bob": "partial", "cy": None})
    ready = world.client.get(page_url).text
    assert 'id="publish"' in ready and "Nobody but an admin sees these results yet" in ready
    assert "test_punctuation_separates_words" in ready and "infrastructure failed" in ready
    assert world.client.get("/regrades").text.count(f"/regrades/{regrade_id}") == 1
    published = world.client.post(f"{page_url}/publish", follow_redirects=False)
    assert published.status_code == 303
    assert "Published by token:" in world.client.get(page_url).text
    twice = world.client.post(f"{page_url}/publish")
    assert twice.status_code == 409 and "is already published" in twice.text
    world.sign_in("reviewer")
    refused = world.client.post(f"{page_url}/discard")
    assert refused.status_code == 403


def test_the_report_says_when_an_attempt_holds_the_same_code_as_an_earlier_one(
    fresh_world: World,
) -> None:
    world = fresh_world
    base = world.reports["ada"]["report"]
    ids = []
    with session_scope(world.settings.effective_database_url) as session:
        invitation = next(
            i for i in hosted.list_invitations(session) if i.candidate_email == "ada@example.com"
        )
        challenge = repo.get_challenge(session, CHALLENGE)
        for commit, tree in (("1" * 40, "a" * 40), ("2" * 40, "b" * 40), ("3" * 40, "a" * 40)):
            report = {**base, "submission": {**base["submission"], "commit": commit, "tree": tree}}
            row = repo.create_submission(
                session,
                challenge=challenge,  # type: ignore[arg-type]
                repo=base["submission"]["repo"],
                ref="main",
                candidate_email="ada@example.com",
                invitation_id=invitation.id,
            )
            repo.claim(session, row.id, "w", 60)
            repo.finish(
                session,
                row.id,
                status="graded",
                overall=report["overall"],
                report=report,
                artifacts=None,
                commit=commit,
                dedupe_key=None,
            )
            ids.append(row.id)
    world.sign_in("reviewer")
    third = world.client.get(f"/submissions/{ids[2]}").text
    assert (
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", third)).count(
            "same code as attempt 1 (commit 1111111111): its report"
        )
        == 1
    )
    assert f'href="/submissions/{ids[0]}"' in third
    assert "tree aaaaaaaaaa</dd>" in third  # what the grade is reproducible by, on the page
    assert 'id="same-code"' not in world.client.get(f"/submissions/{ids[1]}").text
