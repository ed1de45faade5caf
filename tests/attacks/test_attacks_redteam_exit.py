"""Red team (exit watch, lazy imports): a top-level asyncio.py against the candidate
process's lazy ``import asyncio``, and an honest todo-api submission whose root has names
(logging.yaml, ssl/) named like modules the pre-started candidate process preloaded.

Each attack is built and checked as test_attacks.py says.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from grader.config import PROJECT_ROOT
from tests.attacks.helpers import (
    Grade,
    GraderEnv,
    assert_host_clean,
    assert_in_time,
    describe,
    git,
    probes,
)

pytestmark = pytest.mark.docker

SOLUTION = PROJECT_ROOT / "challenges" / "todo-api" / "solution" / "todo_api"


def test_a_shadowing_asyncio_never_runs_in_the_trusted_process(
    catalogue_env: Callable[[str], GraderEnv], grade_in: Grade
) -> None:
    """A top-level asyncio.py and a raw ASGI app: only the candidate's uid ever runs the file;
    the grading is an ordinary one where nothing passes."""
    env = catalogue_env("todo-api")
    outcome = grade_in("todo-api", "shadow-asyncio")
    assert outcome.report.status == "graded", describe(outcome)
    assert outcome.passed() == [], describe(outcome)
    assert_in_time(env, outcome)
    assert_host_clean(env)
    assert outcome.artifacts is not None and outcome.artifacts.frame_found, describe(outcome)
    seen = probes(outcome)
    uids = {line.split()[0] for line in seen["log"]}
    assert uids <= {"10002"}, seen


def _solution_with_config_names(repo: Path) -> None:
    shutil.rmtree(repo / "todo_api")
    shutil.copytree(SOLUTION, repo / "todo_api", ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "logging.yaml").write_text("version: 1\n")
    (repo / "ssl").mkdir()
    (repo / "ssl" / "README").write_text("certificates go here\n")
    git(repo, "add", "-A", "-f")


def _solution(repo: Path) -> None:
    shutil.rmtree(repo / "todo_api")
    shutil.copytree(SOLUTION, repo / "todo_api", ignore=shutil.ignore_patterns("__pycache__"))
    git(repo, "add", "-A", "-f")


@pytest.mark.parametrize("setup", [_solution, _solution_with_config_names])
def test_an_honest_solution_with_config_files_named_like_stdlib_modules_scores_100(
    catalogue_env: Callable[[str], GraderEnv], grade_in: Grade, setup: Callable[[Path], None]
) -> None:
    """logging.yaml and ssl/ (no __init__) are no module: with asyncio and logging among the
    modules the preload pulls in, a looser shadow test dropped everything the pre-started
    candidate process had preloaded for them (0.1-0.2 s). The grading is a 100 either way."""
    env = catalogue_env("todo-api")
    outcome = grade_in("todo-api", None, setup)
    assert outcome.report.status == "graded", describe(outcome)
    assert outcome.report.skills["api_design"].score == 100, describe(outcome)
    assert outcome.report.skills["databases"].score == 100, describe(outcome)
    assert_in_time(env, outcome)
    assert_host_clean(env)
