"""The `grader` command as a user runs it: exit codes, one-line errors, JSON on stdout."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import docker
import pytest

from tests.conftest import WORD_FREQUENCY, make_repo

GRADER = [sys.executable, "-m", "grader.cli"]


def grader(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GRADER, *args], capture_output=True, text=True, timeout=300)


def assert_one_line_error(done: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert done.returncode == code, done.stderr
    lines = done.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("grader:")]
    assert len(errors) == 1 and text in errors[0], done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    solution = (WORD_FREQUENCY / "solution" / "wordfreq.py").read_text()
    return make_repo(
        tmp_path_factory.mktemp("solved") / "repo",
        [("Solve word frequency", {"wordfreq.py": solution})],
        base=WORD_FREQUENCY / "starter",
    )


def test_unknown_challenge_is_bad_input(solved: Path) -> None:
    done = grader("grade", "--challenge", "no-such-challenge", "--repo", str(solved))
    assert_one_line_error(done, 2, "challenge not found")


def test_invalid_manifest_is_bad_input(tmp_path: Path, solved: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "challenge.toml").write_text('id = "Bad Id"\n')
    done = grader("grade", "--challenge", str(broken), "--repo", str(solved))
    assert_one_line_error(done, 2, "Bad Id")


@pytest.mark.parametrize("repo", ["ext::sh -c id", "--upload-pack=id", "git@example.com:x/y.git"])
def test_refused_repository_is_bad_input(repo: str) -> None:
    done = grader("grade", "--challenge", str(WORD_FREQUENCY), "--repo", repo)
    assert_one_line_error(done, 2, "refused repository")


def test_missing_repository_is_bad_input(tmp_path: Path) -> None:
    done = grader("grade", "--challenge", str(WORD_FREQUENCY), "--repo", str(tmp_path / "nope"))
    assert_one_line_error(done, 2, "repository not found")


@pytest.mark.docker
def test_missing_ref_is_bad_input(solved: Path) -> None:
    done = grader(
        "grade",
        "--challenge",
        str(WORD_FREQUENCY),
        "--repo",
        str(solved),
        "--ref",
        "no-such-branch",
    )
    assert_one_line_error(done, 2, "ref 'no-such-branch' not found")


@pytest.mark.docker
def test_json_report_alone_on_stdout_matches_the_contract(solved: Path) -> None:
    done = grader("grade", "--challenge", str(WORD_FREQUENCY), "--repo", str(solved), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {
        "schema",
        "status",
        "overall",
        "skills",
        "tests",
        "challenge",
        "sandbox",
        "submission",
    } <= set(report)
    assert report["status"] == "graded"
    assert report["skills"]["programming"] == {"score": 100.0, "weight": 2, "passed": 9, "total": 9}
    assert report["skills"]["performance"]["score"] == 100.0
    assert 0 <= report["overall"] <= 100
    assert report["submission"]["repo"] == str(solved)
    assert len(report["submission"]["commit"]) == 40
    assert report["sandbox"]["digest"].startswith("sha256:")
    assert report["challenge"]["id"] == "word-frequency"
    for test in report["tests"]:
        assert test["outcome"] == "passed" and test["skill"] in {"programming", "performance"}
        assert test["id"].startswith("hidden/test_")


@pytest.mark.docker
def test_human_report_by_default(solved: Path) -> None:
    done = grader("grade", "--challenge", "word-frequency", "--repo", str(solved), "--progress")
    assert done.returncode == 0, done.stderr
    assert "status: graded" in done.stdout
    assert re.search(r"programming\s+100\.0\s+2\s+9/9 tests", done.stdout), done.stdout
    assert "running the hidden suite" in done.stderr  # progress goes to stderr


@pytest.mark.docker
def test_a_failure_off_a_terminal_prints_the_reason_alone(tmp_path: Path) -> None:
    """A script reading stderr (not a terminal) gets the one-line reason, no progress."""
    not_a_repo = tmp_path / "not-a-repo"
    not_a_repo.mkdir()
    done = grader("grade", "--challenge", "word-frequency", "--repo", str(not_a_repo), "--json")
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith("grader: "), done.stderr
    assert done.stdout == ""
    forced = grader(
        "grade", "--challenge", "word-frequency", "--repo", str(not_a_repo), "--progress"
    )
    assert "preparing challenge word-frequency" in forced.stderr
    assert forced.stderr.strip().splitlines()[-1] == done.stderr.strip()


def test_no_arguments_lists_the_commands() -> None:
    done = grader()
    assert "grade" in done.stdout + done.stderr and "challenge" in done.stdout + done.stderr


def sandboxes_of(process: int, since: datetime) -> tuple[set[str], list[str]]:
    """The sandboxes a process created since ``since`` (from the engine's events), and those
    of them still there."""
    client = docker.from_env()
    owner = f"grader.owner={socket.gethostname()}:{process}"
    events = client.events(
        since=since,
        until=datetime.now(UTC) + timedelta(seconds=1),  # the engine counts whole seconds
        filters={"label": owner, "type": "container"},
        decode=True,
    )
    created = {e["id"] for e in events if e.get("status") == "create"}
    left = [c.id for c in client.containers.list(all=True, filters={"label": owner})]
    return created, left


MISSING_REF = ("--ref", "no-such-branch")


@pytest.mark.docker
def test_the_sandbox_started_ahead_is_removed_when_the_grading_fails_early(solved: Path) -> None:
    """It starts while the repository is fetched; a missing ref fails the grading first."""
    since = datetime.now(UTC)
    process = subprocess.Popen(
        [*GRADER, "grade", "--challenge", "word-frequency", "--repo", str(solved), *MISSING_REF],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _out, err = process.communicate(timeout=300)
    assert process.returncode == 2, err
    created, left = sandboxes_of(process.pid, since)
    assert len(created) == 1  # it was started, and only it
    assert left == []


@pytest.mark.docker
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_stopped_while_the_suite_runs_it_leaves_no_sandbox(
    solved: Path, stop: signal.Signals
) -> None:
    """Ctrl-C, or a SIGTERM (`timeout`, a cancelled CI job), while the suite runs."""
    since = datetime.now(UTC)
    process = subprocess.Popen(
        [*GRADER, "grade", "--challenge", "word-frequency", "--repo", str(solved), "--progress"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    for line in process.stderr:
        if "running the hidden suite" in line:
            break
    time.sleep(0.3)
    process.send_signal(stop)
    process.communicate(timeout=120)
    assert process.returncode != 0
    created, left = sandboxes_of(process.pid, since)
    assert len(created) == 1
    assert left == []
