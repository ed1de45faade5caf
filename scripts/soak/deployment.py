"""A soak run's deployment: its data folder, a fresh database, the repositories and the
submissions queued.

The data folder is seeded with the images and inventories `make images`
recorded, so nothing is built during the run. Every submission is a distinct
commit (a branch of its own in a bare repository under the data folder's
``repos/``, which workers may fetch from), so each one is graded for real:
nothing is deduplicated.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from grader import submissions
from grader.catalogue import register_challenge
from grader.challenge import load_challenge
from grader.config import Settings, get_settings
from grader.store.db import session_scope
from scripts.soak.common import PROJECT
from tests.support.git import git, identity
from tests.support.services import seed_data_dir

CHALLENGE = PROJECT / "challenges" / "word-frequency"
VARIANTS = ("solution", "starter")


def fresh_database(root: Path, postgres: str | None) -> str:
    if not postgres:
        path = root / "data" / "grader.db"
        for stale in root.joinpath("data").glob("grader.db*"):
            stale.unlink()
        return f"sqlite:///{path}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text('DROP SCHEMA IF EXISTS "soak" CASCADE'))
        connection.execute(text('CREATE SCHEMA "soak"'))
    admin.dispose()
    url = make_url(postgres).update_query_dict({"options": "-csearch_path=soak"})
    return url.render_as_string(hide_password=False)


def prepare_data_dir(data: Path) -> str:
    """The data folder, seeded with the images and inventories `make images` recorded."""
    shutil.rmtree(data / "tmp", ignore_errors=True)
    shutil.rmtree(data / "repos", ignore_errors=True)
    state = get_settings().data_dir / "images.json"
    if not state.is_file():
        raise SystemExit("[soak] no sandbox image recorded: run `make images` first")
    seed_data_dir(data)
    return str(json.loads(state.read_text())["python"]["reference"])


def register(url: str) -> None:
    register_challenge(url, load_challenge(CHALLENGE), str(CHALLENGE), 0)


AUTHOR = identity("Soak Candidate", "soak@example.com")


def variant_repo(repos: Path, work: Path, name: str, branches: int) -> Path:
    """A bare repository with one branch per submission, each a commit of its own."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(CHALLENGE / "starter", work)
    git(work, "init", "--quiet", "--initial-branch=main", author=AUTHOR)
    git(work, "add", "--all", author=AUTHOR)
    git(work, "commit", "--quiet", "--message", "Start from the starter", author=AUTHOR)
    if name == "solution":
        shutil.copy(CHALLENGE / "solution" / "wordfreq.py", work / "wordfreq.py")
        git(work, "commit", "--quiet", "--all", "--message", "Count and rank words", author=AUTHOR)
    tree, head = git(work, "rev-parse", "HEAD^{tree}"), git(work, "rev-parse", "HEAD")
    for index in range(branches):
        message = f"Submit attempt {index}\n\nSoak run submission {index} of {name}."
        commit = git(work, "commit-tree", tree, "-p", head, "-m", message, author=AUTHOR)
        git(work, "update-ref", f"refs/heads/soak-{index:03d}", commit, author=AUTHOR)
    bare = repos / f"{name}.git"
    git(work, "clone", "--bare", "--quiet", str(work), str(bare), author=AUTHOR)
    return bare


def submit_all(settings: Settings, bares: dict[str, Path], count: int) -> dict[str, str]:
    """Queue every submission at once; returns submission id -> variant."""
    made: dict[str, str] = {}
    names = sorted(bares)
    for index in range(count):
        variant = names[index % len(names)]
        with session_scope(settings.effective_database_url) as session:
            row = submissions.create(
                session,
                challenge_id="word-frequency",
                repo_url=str(bares[variant]),
                ref=f"soak-{index // len(names):03d}",
            )
            submissions.queue_after_commit(session, settings, row)
            made[row.id] = variant
    return made
