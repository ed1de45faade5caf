"""A soak run's deployment: its data folder, a fresh database, the repositories and the
submissions queued.

The mix: word-frequency, and about one submission in five (``service_share``)
of leaderboard-redis, a challenge with a Redis sidecar, so that the services'
containers and networks go through the same failures; of each challenge, the
solution and the starter in turn. The data folder is seeded with the images,
inventories and package locks `make images` recorded, so nothing is built
during the run. Every submission is a distinct
commit (a branch of its own in a bare repository under the data folder's
``repos/``, which workers may fetch from), so each one is graded for real:
nothing is deduplicated.
"""

from __future__ import annotations

import shutil
from collections import Counter
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

CHALLENGES = PROJECT / "challenges"
MAIN_CHALLENGE = "word-frequency"
SERVICE_CHALLENGE = "leaderboard-redis"  # a Redis sidecar
VARIANTS = ("solution", "starter")
Kind = tuple[str, str]  # (challenge id, variant)


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


def prepare_data_dir(data: Path) -> None:
    """The data folder, seeded with the images, inventories and locks `make images` recorded."""
    shutil.rmtree(data / "tmp", ignore_errors=True)
    shutil.rmtree(data / "repos", ignore_errors=True)
    if not (get_settings().data_dir / "images.json").is_file():
        raise SystemExit("[soak] no sandbox image recorded: run `make images` first")
    seed_data_dir(data, with_locks=True)


def mix(count: int, service_share: float) -> list[Kind]:
    """Each submission's (challenge, variant), in the order queued: the service challenge's
    spread evenly through the run, each challenge alternating its solution and its starter."""
    plan: list[Kind] = []
    seen: Counter[str] = Counter()
    for index in range(count):
        # index where the running total of the share crosses a whole number: evenly spread
        served = int((index + 1) * service_share) > int(index * service_share)
        challenge = SERVICE_CHALLENGE if served else MAIN_CHALLENGE
        plan.append((challenge, VARIANTS[seen[challenge] % len(VARIANTS)]))
        seen[challenge] += 1
    return plan


def label(kind: Kind) -> str:
    return f"{kind[0]}/{kind[1]}"


def register(url: str, challenge_ids: set[str]) -> None:
    for challenge_id in sorted(challenge_ids):
        folder = CHALLENGES / challenge_id
        register_challenge(url, load_challenge(folder), str(folder), 0)


AUTHOR = identity("Soak Candidate", "soak@example.com")


def variant_repo(repos: Path, work: Path, kind: Kind, branches: int) -> Path:
    """A bare repository with one branch per submission, each a commit of its own: the
    challenge's starter, with its solution's files on top for the solution variant."""
    challenge, variant = kind
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(CHALLENGES / challenge / "starter", work)
    git(work, "init", "--quiet", "--initial-branch=main", author=AUTHOR)
    git(work, "add", "--all", author=AUTHOR)
    git(work, "commit", "--quiet", "--message", "Start from the starter", author=AUTHOR)
    if variant == "solution":
        shutil.copytree(CHALLENGES / challenge / "solution", work, dirs_exist_ok=True)
        git(work, "add", "--all", author=AUTHOR)
        git(work, "commit", "--quiet", "--message", "Solve the challenge", author=AUTHOR)
    tree, head = git(work, "rev-parse", "HEAD^{tree}"), git(work, "rev-parse", "HEAD")
    for index in range(branches):
        message = f"Submit attempt {index}\n\nSoak run submission {index} of {label(kind)}."
        commit = git(work, "commit-tree", tree, "-p", head, "-m", message, author=AUTHOR)
        git(work, "update-ref", f"refs/heads/soak-{index:03d}", commit, author=AUTHOR)
    bare = repos / f"{challenge}-{variant}.git"
    git(work, "clone", "--bare", "--quiet", str(work), str(bare), author=AUTHOR)
    return bare


def repositories(repos: Path, work: Path, plan: list[Kind]) -> dict[Kind, Path]:
    """One bare repository per (challenge, variant) of the plan, a branch per submission."""
    branches = Counter(plan)
    return {
        kind: variant_repo(repos, work / f"{kind[0]}-{kind[1]}", kind, n)
        for kind, n in sorted(branches.items())
    }


def submit_all(settings: Settings, bares: dict[Kind, Path], plan: list[Kind]) -> dict[str, str]:
    """Queue every submission at once; returns submission id -> "challenge/variant"."""
    made: dict[str, str] = {}
    used: Counter[Kind] = Counter()
    for kind in plan:
        with session_scope(settings.effective_database_url) as session:
            row = submissions.create(
                session,
                challenge_id=kind[0],
                repo_url=str(bares[kind]),
                ref=f"soak-{used[kind]:03d}",
            )
            submissions.queue_after_commit(session, settings, row)
            made[row.id] = label(kind)
        used[kind] += 1
    return made
