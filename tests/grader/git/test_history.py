"""grader.git.history: the people named by a history (what blind review masks)."""

from __future__ import annotations

from pathlib import Path

from grader import git as grader_git
from tests.support.git import git, identity


def test_the_people_of_a_history_are_its_authors_committers_and_trailers(tmp_path: Path) -> None:
    git(tmp_path, "init", "--quiet", "--initial-branch=main")
    starter = identity("grader", "grader@localhost")
    git(tmp_path, "commit", "--quiet", "--allow-empty", "-m", "the starter", author=starter)
    seed = git(tmp_path, "rev-parse", "HEAD")
    ann = identity("Ann Author", "ann@example.com")
    git(tmp_path, "commit", "--quiet", "--allow-empty", "-m", "first", author=ann)
    message = (
        "second\n\nSigned-off-by: Sam Signer <sam@example.org>\nCo-authored-by: Co Author <co@x.io>"
    )
    committer = {**ann, "GIT_COMMITTER_NAME": "Cal Committer", "GIT_COMMITTER_EMAIL": "cal@c.org"}
    git(tmp_path, "commit", "--quiet", "--allow-empty", "-m", message, author=committer)
    tip = git(tmp_path, "rev-parse", "HEAD")
    people = grader_git.commit_people(tmp_path / ".git", tip, [seed])
    assert people == {
        "Ann Author",
        "ann@example.com",
        "Cal Committer",
        "cal@c.org",
        "Sam Signer",
        "sam@example.org",
        "Co Author",
        "co@x.io",
    }
    assert grader_git.commit_people(tmp_path / ".git", tip) == people | {
        "grader",
        "grader@localhost",
    }
