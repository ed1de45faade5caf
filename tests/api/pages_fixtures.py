"""A server with real data for the API, pages, export and browser tests.

The database is a fresh SQLite file; the challenge is word-frequency from the
catalogue. Reports are real ones built without Docker: the tests' outcomes come
from the golden cases' saved sandbox artifacts (as a real grading scored them),
the version-control findings from the real history analysis of a git
repository made here, and grader.report builds the JSON. Redis points at a
closed port, so a queued submission stays in the database and reaches no
worker.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.main import create_app
from grader import integrity, rescore
from grader.challenge import load_challenge
from grader.config import PROJECT_ROOT, Settings, get_settings
from grader.history import analyse_history
from grader.hosting import invitations
from grader.similarities import Indexes
from grader.store import repo
from grader.store.db import migrate, session_scope
from tests.conftest import WORD_FREQUENCY, make_repo
from tests.grader.similarity.disguise import disguise
from tests.support.git import git
from tests.support.submissions import compare, store_graded, store_word_frequency

GOLDEN = PROJECT_ROOT / "tests" / "golden" / "word-frequency"
CHALLENGE = "word-frequency"
CLOSED_REDIS = "redis://127.0.0.1:9/0"  # the discard port: nothing listens, enqueue fails fast
SKILLS = (
    {"name": "programming", "weight": 2},
    {"name": "performance", "weight": 1},
    {"name": "version_control", "weight": 1},
)

MESSY_HISTORY: list[tuple[str, Mapping[str, str | bytes | None]]] = [
    ("wip", {"wordfreq.py": "import re\n"}),
    (
        "Count words case-insensitively\n\nSplit on anything that is not a word character.",
        {
            "wordfreq.py": "import re\n\n\ndef count_words(text):\n    return {}\n",
            "tests/test_wordfreq.py": "def test_nothing():\n    assert True\n",
        },
    ),
    ("fixed stuff", {".env": "API_KEY=changeme\n"}),
]
CLEAN_HISTORY: list[tuple[str, Mapping[str, str | bytes | None]]] = [
    (
        "Count words case-insensitively\n\nWords are runs of letters, digits and apostrophes.",
        {
            "wordfreq.py": "def count_words(text):\n    return {}\n",
            "tests/test_count.py": "def test_empty():\n    assert True\n",
        },
    ),
    (
        "Order the top words by count, then alphabetically\n\nTies are broken by the word.",
        {
            "wordfreq.py": "def count_words(text):\n    return {}\n\n\n"
            "def top_words():\n    pass\n",
            "tests/test_top.py": "def test_top():\n    assert True\n",
        },
    ),
]


def history_of(
    where: Path, commits: list[tuple[str, Mapping[str, str | bytes | None]]]
) -> tuple[Any, str]:
    """The real history analysis of a repository: the starter, then ``commits``."""
    work = make_repo(where / "work", commits, base=WORD_FREQUENCY / "starter")
    bare = where / "bare.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(work), str(bare)], check=True)
    sha = git(work, "rev-parse", "HEAD")
    return analyse_history(bare, sha, starter_dir=WORD_FREQUENCY / "starter"), sha


# A suspicion the audit hook noted while the tests ran (never a score change).
SEEN_AT_RUN_TIME = {
    "signal": "walks the call stack",
    "file": "wordfreq.py",
    "line": 3,
    "text": "sys._getframe <builtins.int>",
    "evidence": False,
}


def golden_report(case: str, history: Any, commit: str, repo_url: str) -> dict[str, Any]:
    """A report as a grading of the golden case ``case`` with this history would make it."""
    report = rescore.score(
        load_challenge(WORD_FREQUENCY),
        rescore.SavedRun.from_dict(json.loads((GOLDEN / case / "artifacts.json").read_text())),
        history,
        rescore.Observed(
            repo=repo_url,
            commit=commit,
            ref="main",
            image="grader-python:test",
            digest="sha256:" + "1" * 64,
            timings={"fetch": 0.21, "sandbox": 1.84, "history": 0.12},
            graded_at="2024-05-02T10:15:00+00:00",
        ),
    )
    report.challenge.commit = "0" * 40
    # What the golden runs did not see, for the pages to show: a signal, two processes, a note.
    report.integrity = integrity.section(
        "process",
        [integrity.Signal("wordfreq.py", 3, "walks the call stack", "sys._getframe(1)")],
        2,
        [SEEN_AT_RUN_TIME],
    )
    return report.to_dict()


@dataclass
class World:
    """The app, its settings and what is in its database."""

    app: FastAPI
    client: TestClient
    settings: Settings
    tokens: dict[str, str] = field(default_factory=dict)  # role (or name) -> secret
    submissions: dict[str, str] = field(default_factory=dict)  # name -> id
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> report, commit
    own_repo: str = ""  # the candidate's hosted repository URL

    def auth(self, role: str | None) -> dict[str, str]:
        return {} if role is None else {"Authorization": f"Bearer {self.tokens[role]}"}

    def sign_in(self, role: str = "reviewer") -> None:
        response = self.client.post(
            "/login", data={"token": self.tokens[role], "next": "/"}, follow_redirects=False
        )
        assert response.status_code == 303, response.text

    def page(self, path: str) -> str:
        """The HTML of a page as a freshly signed-in reviewer gets it (status 200)."""
        self.client.cookies.clear()
        self.sign_in("reviewer")
        response = self.client.get(path)
        assert response.status_code == 200, response.text
        return response.text


def make_settings(tmp_path: Path) -> Settings:
    return get_settings().model_copy(
        update={
            "data_dir": tmp_path / "data",
            "redis_url": CLOSED_REDIS,
            "notify_url": "",
            "secret_key": "",
        }
    )


CASES = (  # name, candidate, golden case, history
    ("ada", "ada@example.com", "partial", "messy"),
    ("bob", "bob@example.com", "complete", "clean"),
    ("cy", "cy@example.com", "failing", "messy"),
)


def sample_reports(tmp_path: Path) -> dict[str, tuple[dict[str, Any], str]]:
    """name -> (report, graded commit) for each of CASES."""
    histories = {
        "messy": history_of(tmp_path / "messy", MESSY_HISTORY),
        "clean": history_of(tmp_path / "clean", CLEAN_HISTORY),
    }
    out = {}
    for name, _email, case, which in CASES:
        history, sha = histories[which]
        url = f"https://example.com/{name}/word-frequency.git"
        out[name] = (golden_report(case, history, sha, url), sha)
    return out


def add_tokens(world: World) -> None:
    """Staff tokens, and two candidates invited as an admin would (each with a hosted repo)."""
    with session_scope(world.settings.effective_database_url) as session:
        for role in ("admin", "reviewer", "worker"):
            world.tokens[role], _row = repo.create_token(session, role, f"{role} token")
    for role, email in (("candidate", "ada@example.com"), ("other", "bob@example.com")):
        invited = invitations.invite(world.settings, CHALLENGE, email, actor="test")
        world.tokens[role] = invited["token"]
        if role == "candidate":
            world.own_repo = invited["clone_url"]


def add_graded(world: World, session: Any, name: str, email: str) -> None:
    report, sha = world.reports[name]["report"], world.reports[name]["commit"]
    world.submissions[name] = store_graded(
        session,
        email,
        report["submission"]["repo"],
        report=report,
        status=report["status"],
        overall=report["overall"],
        commit=sha,
    )


def populate(world: World) -> None:
    with session_scope(world.settings.effective_database_url) as session:
        store_word_frequency(session, commit="0" * 40, skills=SKILLS)
    add_tokens(world)
    with session_scope(world.settings.effective_database_url) as session:
        challenge = repo.get_challenge(session, CHALLENGE)
        assert challenge is not None
        for name, email, _case, _history in CASES:
            add_graded(world, session, name, email)
        queued = repo.create_submission(
            session,
            challenge=challenge,
            repo="https://example.com/dee/word-frequency.git",
            ref="main",
            candidate_email="dee@example.com",
        )
        world.submissions["dee"] = queued.id


# -- similar submissions -----------------------------------------------------------------
INDEPENDENT = (
    PROJECT_ROOT / "tests/grader/similarity/solutions/word-frequency/independent/wordfreq.py"
).read_text()


def add_compared(
    world: World, indexes: Indexes, name: str, email: str, code: str, *, hosted: bool = True
) -> str:
    """A graded submission of ``{"wordfreq.py": code}`` compared as the worker does; its
    repository is a bare one on this host (under the data folder's repos/) when ``hosted``."""
    sha, url = "d" * 40, f"https://example.com/{name}/word-frequency.git"
    if hosted:
        work = make_repo(
            world.settings.data_dir / "work" / name,
            [("Count words", {"wordfreq.py": code})],
            base=WORD_FREQUENCY / "starter",
        )
        url = str(world.settings.data_dir / "repos" / f"{name}.git")
        subprocess.run(["git", "clone", "--quiet", "--bare", str(work), url], check=True)
        sha = git(work, "rev-parse", "HEAD")
    report = {**world.reports["bob"]["report"], "submission": {"repo": url, "commit": sha}}
    with session_scope(world.settings.effective_database_url) as session:
        submission_id = store_graded(
            session, email, url, report=report, overall=report["overall"], commit=sha
        )
        compare(session, indexes, submission_id, code)
    world.submissions[name] = submission_id
    return submission_id


def add_copied_pair(world: World, *, hosted: bool = True) -> tuple[str, str]:
    """fay's own solution, then gus's disguised copy of it: (original, copy)."""
    indexes = Indexes()
    original = add_compared(world, indexes, "fay", "fay@example.com", INDEPENDENT, hosted=hosted)
    copy = add_compared(
        world, indexes, "gus", "gus@example.com", disguise(INDEPENDENT), hosted=hosted
    )
    return original, copy


@pytest.fixture(scope="session")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    made = sample_reports(tmp_path_factory.mktemp("histories"))
    return {name: {"report": r, "commit": sha} for name, (r, sha) in made.items()}


def build_world(tmp_path: Path, reports: dict[str, dict[str, Any]]) -> Iterator[World]:
    settings = make_settings(tmp_path)
    migrate(settings.effective_database_url)
    app = create_app(settings)
    with TestClient(app) as client:
        built = World(app=app, client=client, settings=settings, reports=reports)
        populate(built)
        yield built


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, reports: dict[str, dict[str, Any]]
) -> Iterator[World]:
    """One server per test module: for tests that only read (or add what no one reads)."""
    yield from build_world(tmp_path_factory.mktemp("world"), reports)


@pytest.fixture
def fresh_world(tmp_path: Path, reports: dict[str, dict[str, Any]]) -> Iterator[World]:
    """A server of its own, for a test that changes what others would read."""
    yield from build_world(tmp_path, reports)
