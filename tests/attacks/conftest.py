"""Fixtures of the attack suite: one prepared challenge and sandbox, and grade_attack().

The submission trees under submissions/ are hostile (conftest.py files, a
pytest.py, sitecustomize.py ...): ``collect_ignore`` keeps this test run from
ever collecting them or importing their conftest files.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from grader.config import PROJECT_ROOT, get_settings
from grader.fetch import FetchPolicy
from grader.images import ImageBuilder
from grader.languages import Isolation
from grader.pipeline import grade
from tests.attacks.helpers import CHALLENGE_DIR, GraderEnv, Outcome, build_repo

PIPELINE_DIR = PROJECT_ROOT / "challenges" / "plugin-pipeline"

collect_ignore = ["submissions"]


@pytest.fixture(scope="session")
def grader_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraderEnv]:
    """One prepared word-frequency challenge and one sandbox, for the whole session.

    A data folder of its own, so that "no grading-* folder left in tmp/" is exact.
    Like the rest of the Docker tests, this fails (never skips) without an engine.
    """
    from grader.cli.base import sandbox_services
    from grader.prepare import locate_challenge, prepare

    data_dir = tmp_path_factory.mktemp("grader-data")
    settings = get_settings().model_copy(update={"data_dir": data_dir})
    builder, sandbox = sandbox_services(settings, lambda _m: None)
    challenge = locate_challenge(str(CHALLENGE_DIR), settings)
    # The image for the runner as it is now (rebuilt only if its inputs changed).
    builder.language_image(challenge.language)
    prepared = prepare(challenge, builder, sandbox, settings)
    assert len(prepared.test_ids) == 11, prepared.test_ids
    yield GraderEnv(settings, prepared, sandbox, sandbox.engine)


@pytest.fixture(scope="session")
def pipeline_env(grader_env: GraderEnv) -> GraderEnv:
    """plugin-pipeline, whose hidden tests hand the candidate's decorator their own
    functions and iterate what it returns: a way into the tests' process to guard."""
    from grader.prepare import locate_challenge, prepare

    challenge = locate_challenge(str(PIPELINE_DIR), grader_env.settings)
    builder = ImageBuilder(grader_env.settings, grader_env.engine)
    prepared = prepare(challenge, builder, grader_env.sandbox, grader_env.settings)
    return replace(grader_env, prepared=prepared)


@pytest.fixture(scope="session")
def catalogue_env(grader_env: GraderEnv) -> Callable[[str], GraderEnv]:
    """catalogue_env(challenge_id): that catalogue challenge prepared (once a session)."""
    from grader.prepare import locate_challenge, prepare

    prepared: dict[str, GraderEnv] = {}

    def get(challenge_id: str) -> GraderEnv:
        if challenge_id not in prepared:
            challenge = locate_challenge(
                str(PROJECT_ROOT / "challenges" / challenge_id), grader_env.settings
            )
            builder = ImageBuilder(grader_env.settings, grader_env.engine)
            ready = prepare(challenge, builder, grader_env.sandbox, grader_env.settings)
            prepared[challenge_id] = replace(grader_env, prepared=ready)
        return prepared[challenge_id]

    return get


@pytest.fixture(scope="session")
def public_java_env(grader_env: GraderEnv, tmp_path_factory: pytest.TempPathFactory) -> GraderEnv:
    """pricing-java with every hidden test class and method declared public: what a
    submission could call, if anything could, once it holds a hidden test's Class."""
    from grader.prepare import locate_challenge, prepare

    root = tmp_path_factory.mktemp("public-java") / "pricing-java"
    shutil.copytree(PROJECT_ROOT / "challenges" / "pricing-java", root)
    for file in (root / "hidden").rglob("*Test.java"):
        text = re.sub(r"^(\s*)class ", r"\1public class ", file.read_text(), flags=re.M)
        text = re.sub(r"^(\s+)void (\w+)\(", r"\1public void \2(", text, flags=re.M)
        file.write_text(text)
    challenge = locate_challenge(str(root), grader_env.settings)
    builder = ImageBuilder(grader_env.settings, grader_env.engine)
    prepared = prepare(challenge, builder, grader_env.sandbox, grader_env.settings)
    return replace(grader_env, prepared=prepared)


@pytest.fixture
def grade_public_java(public_java_env: GraderEnv, tmp_path: Path) -> Callable[..., Outcome]:
    return _grader(public_java_env, tmp_path, public_java_env.prepared.challenge.root)


@pytest.fixture
def grade_in(catalogue_env: Callable[[str], GraderEnv], tmp_path: Path) -> Callable[..., Outcome]:
    """grade_in(challenge_id, attack, setup=None): an attack on another catalogue challenge's
    starter."""

    def run(
        challenge_id: str, attack: str | None, setup: Callable[[Path], None] | None = None
    ) -> Outcome:
        env = catalogue_env(challenge_id)
        return _grader(env, tmp_path, PROJECT_ROOT / "challenges" / challenge_id)(attack, setup)

    return run


@pytest.fixture(scope="session")
def shared_catalogue_env(catalogue_env: Callable[[str], GraderEnv]) -> Callable[[str], GraderEnv]:
    """shared_catalogue_env(challenge_id): that challenge graded with the submission in the
    test process (``isolation = "shared"``), whatever its manifest says: the second line
    alone, as for a challenge that does not opt into process isolation."""

    def get(challenge_id: str) -> GraderEnv:
        env = catalogue_env(challenge_id)
        challenge = replace(env.prepared.challenge, isolation=Isolation.SHARED)
        return replace(env, prepared=replace(env.prepared, challenge=challenge))

    return get


@pytest.fixture
def grade_shared_in(
    shared_catalogue_env: Callable[[str], GraderEnv], tmp_path: Path
) -> Callable[..., Outcome]:
    """grade_in, with the challenge graded ``shared`` (shared_catalogue_env)."""

    def run(
        challenge_id: str, attack: str | None, setup: Callable[[Path], None] | None = None
    ) -> Outcome:
        env = shared_catalogue_env(challenge_id)
        return _grader(env, tmp_path, PROJECT_ROOT / "challenges" / challenge_id)(attack, setup)

    return run


@pytest.fixture
def grade_pipeline(pipeline_env: GraderEnv, tmp_path: Path) -> Callable[..., Outcome]:
    return _grader(pipeline_env, tmp_path, PIPELINE_DIR)


@pytest.fixture(scope="session")
def shared_env(grader_env: GraderEnv) -> GraderEnv:
    """The same challenge graded with the submission in the test process (``isolation =
    "shared"``): what the second line alone must catch."""
    challenge = replace(grader_env.prepared.challenge, isolation=Isolation.SHARED)
    return replace(grader_env, prepared=replace(grader_env.prepared, challenge=challenge))


@pytest.fixture
def grade_attack(grader_env: GraderEnv, tmp_path: Path) -> Callable[..., Outcome]:
    """grade_attack(name, setup=None) -> Outcome, graded the way `grader grade` does."""
    return _grader(grader_env, tmp_path)


@pytest.fixture
def grade_shared(shared_env: GraderEnv, tmp_path: Path) -> Callable[..., Outcome]:
    """grade_shared(name, setup=None) -> Outcome, graded in a shared grading."""
    return _grader(shared_env, tmp_path)


def _grader(
    env: GraderEnv, tmp_path: Path, challenge_dir: Path = CHALLENGE_DIR
) -> Callable[..., Outcome]:
    def run(attack: str | None, setup: Callable[[Path], None] | None = None) -> Outcome:
        dest = tmp_path / f"repo-{len(list(tmp_path.glob('repo-*')))}"  # one per grading
        repo = build_repo(dest, attack, setup, challenge_dir)
        started = time.monotonic()
        grading = grade(
            env.prepared,
            str(repo),
            None,
            settings=env.settings,
            sandbox=env.sandbox,
            policy=FetchPolicy(allow_local=True),
        )
        seconds = time.monotonic() - started
        return Outcome(grading.report, grading.artifacts, seconds)

    return run
