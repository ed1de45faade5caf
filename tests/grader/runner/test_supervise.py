"""PID 1 (runner/supervise.py) on the host: an isolated Node run, header to frame.

The supervisor runs in a driver process of its own (it reaps every child and, in
the sandbox, kills every other process: here only the candidates it started),
with the working folder, the test command and the candidate program replaced by
stand-ins (tests/support/nodelink.py); the real Node runner files are the
lead's and run in the image. The Docker tests run the real thing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.nodelink import FAKE_CANDIDATE, FAKE_TEST_PROCESS, PYTHON
from tests.support.sandbox import tree

RUNNER = Path(__file__).resolve().parents[3] / "grader" / "runner"
ROOT = os.geteuid() == 0

DRIVER = """
import functools, os, signal, sys
place, python = sys.argv[1], sys.argv[2]
sys.path.insert(0, sys.argv[3])
import supervise, supervise_channels, supervise_nodelink, suite_node

supervise.WORKDIR = supervise_channels.WORKDIR = place
spawners = []

def spawner(env):
    made = supervise_nodelink.NodeLinkSpawner(
        env, host=[python, "-I", "-S", place + "/candidate.py"], parent=place)
    spawners.append(made)
    return made

def kill_candidates():  # not kill(-1): on the host that is every process of ours
    for made in spawners:
        for child in made.children:
            try:
                os.kill(child.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

suite_node.SPAWNER = spawner
suite_node.command = lambda header, results, control: [
    python, "-I", "-S", place + "/test_process.py", results.path, str(control is not None)]
supervise.kill_everyone_else = kill_candidates
supervise.prestart = lambda: None
sys.exit(supervise.main())
"""


@pytest.fixture
def place() -> Iterator[Path]:
    """The stand-ins and the working folder, which every uid may enter."""
    if not os.path.exists(PYTHON):
        pytest.skip(f"{PYTHON} is needed to run the processes under the sandbox's uids")
    folder = Path(tempfile.mkdtemp(prefix="supervise-test-", dir="/tmp"))
    folder.chmod(0o1777)
    for name, text in (("candidate.py", FAKE_CANDIDATE), ("test_process.py", FAKE_TEST_PROCESS)):
        (folder / name).write_text(text)
        (folder / name).chmod(0o644)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def supervise(place: Path, header: dict[str, Any]) -> dict[str, Any]:
    nonce = uuid.uuid4().hex
    tar = tree({"cart.js": "module.exports = {};\n"})
    line = {"nonce": nonce, "command": "node", "tar_size": len(tar), "timeout_s": 20, **header}
    done = subprocess.run(
        [sys.executable, "-I", "-c", DRIVER, str(place), PYTHON, str(RUNNER)],
        input=json.dumps(line).encode() + b"\n" + tar,
        capture_output=True,
        timeout=60,
        check=True,
    )
    out = done.stdout.decode()
    begin, end = f"{nonce}:BEGIN\n", f"\n{nonce}:END"
    frame: dict[str, Any] = json.loads(out[out.index(begin) + len(begin) : out.index(end)])
    return frame


def test_an_isolated_node_run_serves_the_link_to_its_test_process(place: Path) -> None:
    frame = supervise(place, {"isolation": "process", "env": {"SERVICE_URL": "redis://x"}})
    assert frame["ok"] is True, frame
    assert frame["exit_code"] == 0, frame
    assert frame["candidate_processes"] == 1, frame
    [record] = frame["records"]
    assert record["echo"] == {"op": "echo", "got": {"op": "ping"}}, frame
    assert record["folder_mode"] == 0o700
    if ROOT:  # the tests as the grader's uid, the submission's code as the candidate's
        assert (record["uid"], record["hello_uid"]) == (10001, 10002)
        assert (place / "cart.js").stat().st_uid == 10002
    assert "candidate output" in frame["output"]["head"]
    assert [p.name for p in place.iterdir() if p.name.startswith("grader-link-")] == []


def test_a_shared_node_run_has_no_link(place: Path) -> None:
    frame = supervise(place, {"isolation": "shared"})
    assert frame["ok"] is True, frame
    assert frame["exit_code"] != 0  # the stand-in finds no GRADER_LINK_DIR
    assert "GRADER_LINK_DIR" in frame["output"]["head"]
    assert "candidate_processes" not in frame and frame["records"] == []
