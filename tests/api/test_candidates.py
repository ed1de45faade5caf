"""DELETE /api/candidates/{email}: an admin erases a candidate; their late push, token and
webhook are refused cleanly; the other candidates' data and comparisons stay readable."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from grader.config import Settings
from grader.hosting import pushes, repositories
from tests.api.conftest import bearer, candidate_git
from tests.api.git_fixtures import Hosting, clone, commit_solution, hosted
from tests.api.pages_fixtures import World, add_copied_pair, fresh_world, reports
from tests.api.test_webhooks import HOSTS, External, deliver, invite

__all__ = ["fresh_world", "hosted", "reports"]


def test_a_push_after_the_erasure_is_refused_and_the_other_candidate_pushes(
    hosted: Hosting, tmp_path: Path
) -> None:
    server, ada, bob = hosted.server, hosted.ada, hosted.bob
    work = tmp_path / "ada"
    assert clone(ada, ada.token, work).returncode == 0
    commit_solution(work)

    erased = httpx.delete(
        f"{server.url}/api/candidates/ada@example.com", headers=bearer(hosted.admin)
    )

    assert erased.status_code == 200, erased.text
    counts = erased.json()["counts"]
    assert (counts["invitations"], counts["tokens"], counts["repositories"]) == (1, 1, 1)
    assert not repositories.repository_path(server.settings, ada.id).exists()
    pushed = candidate_git(work, "push", "origin", "main")
    assert pushed.returncode != 0 and "Authentication failed" in pushed.stderr
    refused = httpx.get(
        f"{ada.clone_url}/info/refs?service=git-receive-pack", auth=("ada", ada.token)
    )
    assert refused.status_code == 401
    assert refused.json()["detail"] == "this invitation was closed and its candidate's data erased"
    api = httpx.get(f"{server.url}/api/challenges", headers=bearer(ada.token))
    assert api.status_code == 401
    # A push already past its checks when the repository went is refused by git's report.
    assert pushes.push_limit_reason(server.settings, ada.id) == pushes.ERASED
    other = tmp_path / "bob"
    assert clone(bob, bob.token, other).returncode == 0
    commit_solution(other)
    assert candidate_git(other, "push", "origin", "main").returncode == 0


def test_erasing_the_original_of_a_copy_leaves_the_copy_and_no_trace(
    fresh_world: World,
) -> None:
    original, copy = add_copied_pair(fresh_world)
    admin = fresh_world.auth("admin")
    before = fresh_world.client.get(f"/api/submissions/{copy}/similar", headers=admin).json()
    assert [m["other"] for m in before["submissions"]] == [original]

    erased = fresh_world.client.delete("/api/candidates/fay@example.com", headers=admin)

    assert erased.status_code == 200, erased.text
    assert erased.json()["counts"]["submissions"] == 1
    assert erased.json()["counts"]["similarity_mentions"] == 1
    assert fresh_world.client.get(f"/api/submissions/{original}", headers=admin).status_code == 404
    after = fresh_world.client.get(f"/api/submissions/{copy}/similar", headers=admin)
    assert after.status_code == 200 and after.json()["submissions"] == []
    listed = fresh_world.client.get("/api/submissions", headers=admin).text
    assert "fay@example.com" not in listed and "gus@example.com" in listed
    page = fresh_world.client.get(f"/api/submissions/{copy}/report", headers=admin)
    assert page.status_code == 200
    again = fresh_world.client.delete("/api/candidates/FAY@example.com", headers=admin)
    assert again.status_code == 200 and sum(again.json()["counts"].values()) == 0


def test_a_malformed_email_is_422(fresh_world: World) -> None:
    response = fresh_world.client.delete(
        "/api/candidates/not-an-email", headers=fresh_world.auth("admin")
    )
    assert response.status_code == 422


def test_a_webhook_for_an_erased_candidate_is_404(
    client: TestClient, tokens: dict[str, str], word_frequency: str, api_settings: Settings
) -> None:
    host = HOSTS["github"]
    external = External(host, invite(client, tokens["admin"], host.external_repo))
    assert deliver(client, external, host.payload()).status_code == 202

    erased = client.delete("/api/candidates/ada@example.com", headers=bearer(tokens["admin"]))
    assert erased.status_code == 200 and erased.json()["counts"]["submissions"] == 1

    late = deliver(client, external, host.payload())
    assert late.status_code == 404
    assert late.json()["detail"] == "no invitation has this repository as its external repository"
