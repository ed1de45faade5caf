"""Red-team attacks on the grader, each graded for real in a Docker sandbox: the control
(the reference solution scores 100), then runner configuration in the submission.

Every attack is a small submission (see submissions/ and README.md) built into a
git repository on top of the word-frequency starter, whose functions raise
NotImplementedError: no hidden test can pass for real. Each test checks the
verdict, that nothing forged is reported passed, that the grading ended within
timeout_s + 20 s, and that no sandbox container or grading folder is left.

The other attacks are in the modules beside this one, one concern each:
test_attacks_forgery.py (the test process), test_attacks_walls.py (the sandbox),
test_attacks_bounds.py (exhaustion, repository shapes, the history on the host).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.attacks.helpers import (
    TEST_SKILLS,
    Grade,
    GraderEnv,
    assert_expected_ids,
    assert_host_clean,
    assert_in_time,
    check_graded_nothing_passed,
    describe,
    git,
)

pytestmark = pytest.mark.docker


# ---------------------------------------------------------------------------
# Control: the reference solution, graded the same way, is graded 100 (no false alarm).
# ---------------------------------------------------------------------------


def test_control_reference_solution_scores_100(grader_env: GraderEnv, grade_attack: Grade) -> None:
    solution = grader_env.prepared.challenge.root / "solution" / "wordfreq.py"

    def setup(repo: Path) -> None:
        (repo / "wordfreq.py").write_bytes(solution.read_bytes())
        git(repo, "add", "wordfreq.py")

    outcome = grade_attack(None, setup=setup)
    assert outcome.report.status == "graded", describe(outcome)
    assert_expected_ids(grader_env, outcome)
    assert set(outcome.outcomes().values()) == {"passed"}, describe(outcome)
    for skill in TEST_SKILLS:
        assert outcome.report.skills[skill].score == 100
    assert_in_time(grader_env, outcome)
    assert_host_clean(grader_env)


# ---------------------------------------------------------------------------
# Runner configuration and start-up hooks in the submission: neutralised.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attack", "removed"),
    [
        ("root-conftest", ["conftest.py"]),
        ("subdir-conftest", ["pkg/conftest.py", "tests/conftest.py"]),
        (
            "startup-hooks",
            [
                "evil.pth",
                "lib/sitecustomize.py",
                "lib/zz-hook.pth",
                "sitecustomize.py",
                "usercustomize.py",
            ],
        ),
        ("fake-hidden", ["hidden/conftest.py", "hidden/test_basic.py", "hidden/test_perf.py"]),
    ],
)
def test_files_that_configure_the_runner_are_removed(
    grader_env: GraderEnv, grade_attack: Grade, attack: str, removed: list[str]
) -> None:
    outcome = grade_attack(attack)
    check_graded_nothing_passed(grader_env, outcome)
    named = {entry.split(":", 1)[0] for entry in outcome.report.removed_files}
    assert set(removed) <= named, outcome.report.removed_files


@pytest.mark.parametrize("attack", ["runner-config", "shadow-pytest"])
def test_runner_config_files_and_shadow_modules_have_no_effect(
    grader_env: GraderEnv, grade_attack: Grade, attack: str
) -> None:
    """pytest.ini/pyproject.toml/setup.cfg/tox.ini addopts; pytest.py and _pytest/ shadows."""
    outcome = grade_attack(attack)
    check_graded_nothing_passed(grader_env, outcome)
    # The suite ran as the grader configured it: every hidden test ran and failed (or,
    # where the shadow breaks the submission's own imports in its process, errored).
    assert set(outcome.outcomes().values()) <= {"failed", "error"}, describe(outcome)
