"""Red-team attacks on the sandbox's walls (hidden/ read-only, PID 1, the network,
symlinks), each graded for real in a Docker sandbox.

Each attack is built and checked as test_attacks.py says.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.attacks.helpers import (
    Grade,
    GraderEnv,
    assert_host_clean,
    check_graded_nothing_passed,
    describe,
    git,
    probes,
)

pytestmark = pytest.mark.docker


# ---------------------------------------------------------------------------
# The sandbox's walls: hidden/ read-only, PID 1, the network, symlinks.
# ---------------------------------------------------------------------------


def test_hidden_tests_cannot_be_replaced(grader_env: GraderEnv, grade_attack: Grade) -> None:
    outcome = grade_attack("write-hidden")
    check_graded_nothing_passed(grader_env, outcome)
    seen = probes(outcome)
    for attempt in (
        "overwrite",
        "append",
        "conftest",
        "init",
        "pycache",
        "unlink",
        "chmod",
        "rename_file",
        "rename_mount",
        "rmtree",
    ):
        assert seen[attempt] != "done", seen
    # the candidate's uid cannot even read the hidden suite now (it is the grader's)
    assert seen["still_there"] in {"done", "PermissionError"}, seen


def test_pid1_cannot_be_stopped_killed_or_read(grader_env: GraderEnv, grade_attack: Grade) -> None:
    outcome = grade_attack("attack-pid1")
    check_graded_nothing_passed(grader_env, outcome)
    assert outcome.artifacts is not None and outcome.artifacts.frame_found
    seen = probes(outcome)
    assert seen["pid1_state"] in {"S", "R"}, seen  # not stopped (T)
    # PID 1 runs as root: the candidate's uid cannot even signal it
    assert seen["pid1_alive"] in {"done", "PermissionError"}, seen
    for private in ("mem", "environ", "fd_list", "fd0", "fd1_write", "maps", "root", "cwd"):
        assert seen[private] == "PermissionError", (private, seen)
    assert seen["ptrace"] == "-1", seen


def test_killing_the_parent_changes_nothing(grader_env: GraderEnv, grade_attack: Grade) -> None:
    outcome = grade_attack("kill-parent")
    check_graded_nothing_passed(grader_env, outcome)
    assert outcome.artifacts is not None and outcome.artifacts.frame_found
    assert set(outcome.outcomes().values()) == {"failed"}, describe(outcome)


def test_network_is_unreachable(grader_env: GraderEnv, grade_attack: Grade) -> None:
    outcome = grade_attack("network")
    check_graded_nothing_passed(grader_env, outcome)
    seen = probes(outcome)
    assert seen.pop("interfaces") == "['lo']", seen
    assert "connected" not in seen.values(), seen


def _secret_links(host_data: Path) -> Callable[[Path], None]:
    def setup(repo: Path) -> None:
        os.symlink("/etc/shadow", repo / "shadow")
        os.symlink("/root", repo / "root_home")
        os.symlink("../../../../../../etc/passwd", repo / "passwd_up")
        os.symlink(str(host_data), repo / "host_data")
        os.symlink("/proc/1/environ", repo / "pid1_environ")
        git(repo, "add", "shadow", "root_home", "passwd_up", "host_data", "pid1_environ")

    return setup


def test_symlinks_are_not_followed_on_the_host(
    grader_env: GraderEnv, grade_attack: Grade, tmp_path: Path
) -> None:
    """Links travel as links; inside the sandbox they point into the container's own fs."""
    host_secret = tmp_path / "host-secret"
    host_secret.mkdir()
    (host_secret / "token").write_text("host-only")
    outcome = grade_attack("symlinks", setup=_secret_links(host_secret))
    check_graded_nothing_passed(grader_env, outcome)
    seen = probes(outcome)
    assert seen["shadow"] == "/etc/shadow -> PermissionError", seen
    assert seen["root_home"] == "/root -> PermissionError", seen
    assert seen["host_data"] == f"{host_secret} -> FileNotFoundError", seen
    assert seen["pid1_environ"] == "/proc/1/environ -> PermissionError", seen
    assert (host_secret / "token").read_text() == "host-only"


def test_sandbox_walls_seen_from_inside(grader_env: GraderEnv, tmp_path: Path) -> None:
    """A trusted probe suite run directly in the sandbox: every wall must hold."""
    from grader.sandbox import SandboxJob
    from grader.workspace import folder_entries_tar

    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_walls.py").write_text((Path(__file__).parent / "walls_probe.py").read_text())
    prepared = grader_env.prepared
    artifacts = grader_env.sandbox.run(
        SandboxJob(
            image=prepared.image.reference,
            workspace_tar=folder_entries_tar(prepared.challenge.root / "starter", "python").tar,
            hidden_dir=hidden,
            limits=prepared.challenge.limits,
            labels={"grader.purpose": "attack-probe"},
        )
    )
    assert artifacts.frame_found, artifacts
    results = {
        r["id"].split("::")[-1]: (r["outcome"], r.get("message", ""))
        for r in artifacts.records
        if isinstance(r, dict) and r.get("event") == "result"
    }
    assert len(results) >= 10, artifacts.records
    failed = {name: message for name, (outcome, message) in results.items() if outcome != "passed"}
    assert failed == {}, failed
    assert_host_clean(grader_env)


def test_attack_suite_left_no_processes(grader_env: GraderEnv) -> None:
    """Last of the suite (pytest runs its modules in name order, this one last): no
    sandbox of this suite is left, whatever the attacks before did."""
    assert_host_clean(grader_env)
