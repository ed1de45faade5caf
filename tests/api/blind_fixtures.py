"""A server whose challenge is reviewed blind, with a blinded candidate's real work in it.

On top of the pages' world (tests/api/pages_fixtures.py: ada, bob, cy graded,
dee queued), an admin turns blind review on for the challenge through the API,
and Blanche is invited as an admin would: her hosted repository gets two
commits authored by her, one naming her email, one her name and a
Signed-off-by line, pushed to it; the real history analysis of that repository
makes her graded report. She also has a submission whose grading failed with an
error naming her repository, and a solution graded and compared as the worker
does, which gus's disguised copy is found similar to.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import regrade
from grader.history import analyse_history
from grader.hosting import invitations, repositories
from grader.similarities import Indexes
from grader.store import repo
from grader.store.db import session_scope
from tests.api.pages_fixtures import (
    CHALLENGE,
    INDEPENDENT,
    World,
    add_compared,
    build_world,
    golden_report,
)
from tests.conftest import WORD_FREQUENCY
from tests.grader.similarity.disguise import disguise
from tests.support.git import git, identity, write_files
from tests.support.regrades import regrade_to_same

EMAIL = "blanche.blindtest@example.org"
NAME = "Blanche Blindtest"
AUTHOR = identity(NAME, EMAIL)
COMMITS = (
    (f"Count words (asked by {EMAIL})", {"wordfreq.py": "def count_words(text):\n    return {}\n"}),
    (
        f"Break ties by the word, as {NAME} suggested\n\nSigned-off-by: {NAME} <{EMAIL}>",
        {"wordfreq.py": "def count_words(text):\n    return {}\n\n\ndef top_words():\n    pass\n"},
    ),
)


@dataclass
class Blinded:
    world: World
    invitation: str
    clone_url: str
    graded: str  # her hosted repository's graded commit, with its real history
    failed: str  # a grading that failed naming her repository
    compared: str  # her solution on this host, graded and compared
    copy: str  # gus's disguised copy of it: its similar list names her
    regrade: str  # a published regrade that replaced her graded result (kept, linked)

    @property
    def submissions(self) -> list[str]:
        return [self.graded, self.failed, self.compared, self.copy]


def push_her_work(world: World, invitation_id: str, scratch: Path) -> str:
    """Her two commits on top of the seeded starter, pushed to her hosted repository."""
    bare = repositories.repository_path(world.settings, invitation_id)
    work = scratch / "blanche-work"
    subprocess.run(["git", "clone", "--quiet", str(bare), str(work)], check=True)
    for message, files in COMMITS:
        write_files(work, files)
        git(work, "add", "--all", author=AUTHOR)
        git(work, "commit", "--quiet", "--message", message, author=AUTHOR)
    git(work, "push", "--quiet", str(bare), "HEAD:main", author=AUTHOR)
    return git(work, "rev-parse", "HEAD")


def add_her_submissions(world: World, invited: dict[str, Any], sha: str) -> tuple[str, str]:
    """Her graded submission (history analysed from her hosted repository) and a failed one."""
    bare = repositories.repository_path(world.settings, invited["id"])
    history = analyse_history(bare, sha, starter_dir=WORD_FREQUENCY / "starter")
    report = golden_report("complete", history, sha, invited["clone_url"])
    with session_scope(world.settings.effective_database_url) as session:
        challenge = repo.get_challenge(session, CHALLENGE)
        assert challenge is not None
        made = []
        for _ in range(2):
            made.append(
                repo.create_submission(
                    session,
                    challenge=challenge,
                    repo=invited["clone_url"],
                    ref="main",
                    candidate_email=EMAIL,
                    invitation_id=invited["id"],
                    commit=sha,
                )
            )
        graded, failed = made
        for row in made:
            repo.claim(session, row.id, "test-worker", 600)
        repo.finish(
            session,
            graded.id,
            status=report["status"],
            overall=report["overall"],
            report=report,
            artifacts=None,
            commit=sha,
            dedupe_key=None,
        )
        repo.fail(session, failed.id, f"could not fetch {invited['clone_url']}: refused")
        return graded.id, failed.id


def published_regrade(world: World, submission: str) -> str:
    """A regrade of the challenge that regraded ``submission`` to the same report, published:
    the result it replaced (hers, naming her repository) is kept and linked."""
    url = world.settings.effective_database_url
    with session_scope(url) as session:
        version = repo.get_challenge(session, CHALLENGE).current_version  # type: ignore[union-attr]
        regrade_id = regrade_to_same(session, CHALLENGE, version, submission)
    regrade.publish(url, regrade_id, "test")
    return regrade_id


def build_blinded(tmp_path: Path, reports: dict[str, dict[str, Any]]) -> Iterator[Blinded]:
    for world in build_world(tmp_path, reports):
        turned = world.client.put(
            f"/api/challenges/{CHALLENGE}/review",
            json={"blind": True},
            headers=world.auth("admin"),
        )
        assert turned.status_code == 200 and turned.json()["blind"] is True, turned.text
        invited = invitations.invite(world.settings, CHALLENGE, EMAIL, actor="test")
        sha = push_her_work(world, invited["id"], tmp_path)
        graded, failed = add_her_submissions(world, invited, sha)
        indexes = Indexes()
        compared = add_compared(world, indexes, "blanche", EMAIL, INDEPENDENT)
        copy = add_compared(world, indexes, "gus", "gus@example.com", disguise(INDEPENDENT))
        regraded = published_regrade(world, graded)
        yield Blinded(
            world, invited["id"], invited["clone_url"], graded, failed, compared, copy, regraded
        )
