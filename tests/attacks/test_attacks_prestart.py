"""Red-team attacks on the processes PID 1 starts before the submission arrives
(runner/supervise_prestart.py), each graded for real in a Docker sandbox.

Each attack is built and checked as test_attacks.py says.
"""

from __future__ import annotations

import pytest

from tests.attacks.helpers import (
    Grade,
    GraderEnv,
    check_graded_nothing_passed,
    describe,
    probes,
)

pytestmark = pytest.mark.docker

REFUSED = "PermissionError"


def test_the_pre_started_test_process_cannot_be_reached(
    grader_env: GraderEnv, grade_attack: Grade
) -> None:
    """From the pre-started candidate process: the trusted one is another uid and undumpable,
    and the go socket, results channel and control socket are not among our descriptors."""
    outcome = grade_attack("attack-prestart")
    check_graded_nothing_passed(grader_env, outcome)
    assert outcome.artifacts is not None and outcome.artifacts.prestart is not None
    assert outcome.artifacts.prestart["used"] is True, describe(outcome)
    seen = probes(outcome)
    assert seen["others"] == ["launch_pytest.py"], seen
    for key in ("kill_SIGSTOP", "kill_SIGKILL", "kill_SIGTERM", "kill_SIGUSR1", "alive"):
        assert seen[key] == REFUSED, (key, seen)
    for key in ("fd_list", "mem", "environ", *(f"fd{n}" for n in range(3, 12))):
        assert seen[key] == REFUSED, (key, seen)
    assert seen["ptrace"] == "-1", seen
    assert seen["sockets"] == 1, seen  # only its own link to the test process


def test_a_shared_grading_runs_without_the_pre_started_processes(
    shared_env: GraderEnv, grade_shared: Grade
) -> None:
    """They do not fit a shared grading: PID 1 kills both before the test process starts,
    so the submission's code, in the test process, finds neither."""
    outcome = grade_shared("attack-prestart")
    check_graded_nothing_passed(shared_env, outcome)
    assert outcome.artifacts is not None and outcome.artifacts.prestart == {
        "used": False,
        "ready_s": None,
    }
    seen = probes(outcome)
    assert seen["others"] == [], seen
    assert seen["sockets"] == 1, seen  # the results channel only
