"""Every attempt stays, and a force-push is shown with what it replaced: plain git, real server."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.api.conftest import bearer, candidate_git, create_token
from tests.api.git_fixtures import Hosting, clone, commit_solution, hosted

__all__ = ["hosted"]


def push_three_attempts(hosted: Hosting, tmp_path: Path) -> tuple[list[str], str, str, str]:
    """ada pushes a solution, then a second commit, then force-pushes a rewrite of the
    second: (the three submissions' ids, first, second, third commit)."""
    work = tmp_path / "ada"
    assert clone(hosted.ada, hosted.ada.token, work).returncode == 0
    first = commit_solution(work, "Count words with a Counter")
    assert candidate_git(work, "push", "origin", "main").returncode == 0
    (work / "NOTES.md").write_text("second thoughts\n")
    candidate_git(work, "add", "-A")
    candidate_git(work, "commit", "-qm", "Write down <em>second</em> thoughts")
    second = candidate_git(work, "rev-parse", "HEAD").stdout.strip()
    assert candidate_git(work, "push", "origin", "main").returncode == 0
    candidate_git(work, "reset", "-q", "--hard", first)
    (work / "NOTES.md").write_text("tidier thoughts\n")
    candidate_git(work, "add", "-A")
    candidate_git(work, "commit", "-qm", "Write down thoughts")
    third = candidate_git(work, "rev-parse", "HEAD").stdout.strip()
    assert candidate_git(work, "push", "--force", "origin", "main").returncode == 0
    return [s.id for s in hosted.submissions()], first, second, third


def test_three_pushes_are_three_attempts_and_the_rewrite_is_shown(
    hosted: Hosting, tmp_path: Path
) -> None:
    ids, first, second, third = push_three_attempts(hosted, tmp_path)
    assert len(ids) == 3  # no push replaced another's grading

    reviewer = bearer(create_token(hosted.server.settings, "reviewer"))
    api = f"{hosted.server.url}/api/submissions"
    attempts = httpx.get(f"{api}/{ids[2]}/attempts", headers=reviewer).json()
    assert [(a["number"], a["id"], a["commit"], a["current"]) for a in attempts] == [
        (1, ids[0], first, False),
        (2, ids[1], second, False),
        (3, ids[2], third, True),
    ]
    rewrites = httpx.get(f"{api}/{ids[2]}/rewrites", headers=reviewer).json()
    assert [(r["ref"], r["old"], r["new"]) for r in rewrites] == [
        ("refs/heads/main", second, third)
    ]
    assert rewrites[0]["replaced"] == [
        {"sha": second, "subject": "Write down <em>second</em> thoughts"}
    ]
    assert httpx.get(f"{api}/{ids[1]}/rewrites", headers=reviewer).json() == []  # came later
    diff = httpx.get(f"{api}/{ids[2]}/diff", headers=reviewer).json()
    assert sorted(f["path"] for f in diff["files"]) == ["NOTES.md", "wordfreq.py"]  # vs the seed
    assert (
        httpx.get(f"{api}/{ids[2]}/attempts", headers=bearer(hosted.ada.token)).status_code == 403
    )

    with httpx.Client(base_url=hosted.server.url) as browser:
        signed = browser.post("/login", data={"token": reviewer["Authorization"][7:], "next": "/"})
        assert signed.status_code in (200, 303)
        html = browser.get(f"/submissions/{ids[2]}").text
    assert "3 gradings of this invitation, oldest first; none replaces another" in html
    assert f'href="/submissions/{ids[0]}"' in html and f'href="/submissions/{ids[1]}"' in html
    assert "History rewritten" in html
    assert f"<code>{second[:10]}</code> Write down &lt;em&gt;second&lt;/em&gt; thoughts" in html
