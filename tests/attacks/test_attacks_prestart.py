"""Red-team attacks on the processes PID 1 starts before the submission arrives
(runner/supervise_prestart.py), each graded for real in a Docker sandbox.

Each attack is built and checked as test_attacks.py says.
"""

from __future__ import annotations

import py_compile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.attacks.helpers import (
    Grade,
    GraderEnv,
    Outcome,
    assert_in_time,
    check_forgery_fails,
    check_graded_nothing_passed,
    describe,
    git,
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


def test_a_shadowed_preloaded_package_stays_in_the_candidate_process(
    catalogue_env: Callable[[str], GraderEnv], grade_in: Callable[[str, str | None], Outcome]
) -> None:
    """todo-api's processes preload fastapi before the submission arrives. A submission with
    top-level fastapi/, starlette/, httpx.py (a TestClient whose responses equal anything),
    sitecustomize.py, usercustomize.py and a .pth: the tests' process uses the installed
    packages, never these; the candidate process gets its own fastapi, none of the preloaded
    modules left; a candidate process started later sees what the pre-started one saw."""
    env = catalogue_env("todo-api")
    outcome = grade_in("todo-api", "shadow-preloaded")
    assert outcome.report.status == "graded", describe(outcome)
    assert outcome.passed() == [], describe(outcome)
    assert_in_time(env, outcome)
    assert outcome.artifacts is not None and outcome.artifacts.prestart is not None
    assert outcome.artifacts.prestart["used"] is True, describe(outcome)
    seen = probes(outcome)
    first, diff = seen["first"], seen["diff"]
    assert first["fastapi"] == "/work/fastapi/__init__.py", first
    assert first["starlette"] is None, first  # dropped with the preloaded fastapi
    # setuptools' .pth loads _distutils_hack at start, before anything is preloaded
    assert first["pydantic"] is None, first
    assert set(first["site_packages_modules"]) <= {"_distutils_hack"}, first
    assert first["trusted_imported_fake"] is False, first
    assert first["usercustomize"] is None and first["pth_ran"] is None, first
    assert not str(first["sitecustomize"]).startswith("/work"), first  # Debian's, if any
    # The pre-started candidate process and one started after the tree arrived differ in
    # nothing a submission could use: the same uid, groups, umask, environment, limits,
    # sys.path, capabilities, seccomp; only the number of their link's descriptor.
    assert set(diff) <= {"fds"}, diff
    if diff:
        before, after = diff["fds"]
        assert sorted(before.values()) == sorted(after.values()), diff


def test_no_pid_left_for_the_next_candidate_process_is_the_submissions_doing(
    grader_env: GraderEnv, grade_attack: Grade
) -> None:
    """The candidate process fills the pids limit from children of its own, then exits: the
    next one cannot be started. PID 1 refuses that spawn like any other; the grading is this
    submission's (graded, nothing passed), never the sandbox's error."""
    outcome = grade_attack("spawn-refused")
    check_graded_nothing_passed(grader_env, outcome)  # was status "error": PID 1's fork failed
    assert outcome.artifacts is not None and outcome.artifacts.supervisor_error is None
    assert "refused to start a candidate process" in outcome.messages(), describe(outcome)


SHADOW_PYC = """
class FastAPI:
    def __init__(self, *args, **kwargs):
        import json, os, sys
        raise RuntimeError("PROBES " + json.dumps({"own": True, "pid": os.getpid(),
                                                   "prestarted": "--prestarted" in sys.argv}))
"""


def _compiled_fastapi(repo: Path) -> None:
    """fastapi.pyc at the root: no source, only the compiled module (CPython imports it)."""
    source = repo / "fastapi_source.py"
    source.write_text(SHADOW_PYC)
    py_compile.compile(str(source), cfile=str(repo / "fastapi.pyc"), doraise=True)
    source.unlink()
    git(repo, "add", "-f", "fastapi.pyc")


def test_a_compiled_shadow_of_a_preloaded_package_is_seen_as_one(
    catalogue_env: Callable[[str], GraderEnv], grade_in: Grade
) -> None:
    """A top-level fastapi.pyc shadows fastapi as a fastapi.py would. The pre-started
    candidate process looked only for ``.py`` files and folders, kept its preloaded fastapi
    and ran the starter against it, while a candidate process started later imports the
    submission's: the same submission saw two different fastapis in one grading. Both now
    import the submission's."""
    env = catalogue_env("todo-api")
    outcome = grade_in("todo-api", None, _compiled_fastapi)
    assert outcome.report.status == "graded", describe(outcome)
    assert outcome.passed() == [], describe(outcome)
    assert_in_time(env, outcome)
    assert outcome.artifacts is not None and outcome.artifacts.prestart is not None
    assert outcome.artifacts.prestart["used"] is True, describe(outcome)
    seen = probes(outcome)
    assert seen["own"] is True and seen["prestarted"] is True, seen


def test_conftest_files_written_at_run_time_are_never_loaded(
    grader_env: GraderEnv, grade_attack: Grade
) -> None:
    """/work is the candidate's: its code writes root and package conftest.py files (with a
    hookwrapper passing everything) while pytest collects. The tests' process never
    imports a file of /work outside hidden/, so none is loaded."""
    outcome = grade_attack("runtime-conftest")
    check_forgery_fails(grader_env, outcome)
    seen = probes(outcome)
    assert seen["/work/conftest.py"] == "written", seen  # the attack really happened
    assert seen["/work/hidden/conftest.py"] != "written", seen


def test_the_oom_killer_turned_on_the_tests_process_is_the_submissions_doing(
    grader_env: GraderEnv, grade_attack: Grade
) -> None:
    """Children of 12 MB each until memory runs out, so that the largest process left (the
    one the OOM killer picks) is the trusted test process: the results it wrote stand, the
    rest are errors "out of memory", and the grading is this submission's."""
    outcome = grade_attack("oom-the-tests")
    check_graded_nothing_passed(grader_env, outcome)
    assert outcome.artifacts is not None and outcome.artifacts.supervisor_error is None
