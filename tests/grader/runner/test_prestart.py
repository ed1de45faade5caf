"""PID 1's pre-started processes (runner/supervise_prestart.py), in the real Python image.

The supervisor runs as the container's PID 1 under ``docker run`` with the image's
own uid (so without the uid switch: the walls are pinned by the sandbox tests and
the attacks), fed a header and a tree the way the sandbox does, and its frame is
read back: the suite ran in the pre-started processes when they fit, and as before
when they do not or when the pre-started test process died before ``go``.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from typing import Any

import pytest

from tests.support.sandbox import tree

pytestmark = pytest.mark.docker

SOLUTION = "def double(x):\n    return 2 * x\n"
TESTS = (
    "import os\nimport solution\n\n"
    "def test_double():\n    assert solution.double(21) == 42\n\n"
    "def test_env():\n    assert os.environ['SERVICE_URL'] == 'redis://x'\n\n"
    "def test_fails():\n    assert solution.double(1) == 3\n"
)
# Kills the pre-started test process before PID 1 reads the header.
DIES_BEFORE_GO = """
import os, sys
sys.path.insert(0, "/opt/grader")
import supervise, supervise_prestart

class Dying(supervise_prestart.Prestarted):
    def __init__(self):
        super().__init__()
        os.kill(self.child.pid, 9)
        self.child.wait()

supervise.Prestarted = Dying
sys.exit(supervise.main())
"""


@pytest.fixture(scope="module")
def image(docker_services) -> str:  # type: ignore[no-untyped-def]
    builder, _ = docker_services
    return str(builder.for_language("python").reference)


def supervise(
    image: str, header: dict[str, Any], driver: str | None = None, wait_s: float = 0.0
) -> dict[str, Any]:
    """The frame of one run; ``wait_s``: how long the header comes after the start (a warm
    sandbox waits for its job)."""
    nonce = uuid.uuid4().hex
    files = {"solution.py": SOLUTION, "hidden/test_probe.py": TESTS}
    tar = tree(files)
    line = {"nonce": nonce, "tar_size": len(tar), "timeout_s": 20, "env": {}, **header}
    entry = ["--entrypoint", "python3"] if driver else []
    command = ["-I", "-B", "-c", driver] if driver else []
    with subprocess.Popen(
        ["docker", "run", "-i", "--rm", "--network", "none", *entry, image, *command],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    ) as process:
        time.sleep(wait_s)
        stdout, _ = process.communicate(json.dumps(line).encode() + b"\n" + tar, timeout=120)
    out = stdout.decode()
    begin, end = f"{nonce}:BEGIN\n", f"\n{nonce}:END"
    frame: dict[str, Any] = json.loads(out[out.index(begin) + len(begin) : out.index(end)])
    return frame


def outcomes(frame: dict[str, Any]) -> dict[str, str]:
    return {
        r["id"].split("::")[1]: r["outcome"] for r in frame["records"] if r.get("event") == "result"
    }


PYTEST = {"command": "pytest", "env": {"SERVICE_URL": "redis://x"}}
EXPECTED = {"test_double": "passed", "test_env": "passed", "test_fails": "failed"}


def test_an_isolated_grading_runs_in_the_pre_started_processes(image: str) -> None:
    frame = supervise(image, {**PYTEST, "isolation": "process"}, wait_s=3.0)
    assert frame["ok"] is True, frame
    assert frame["prestart"]["used"] is True, frame
    ready = frame["prestart"]["ready_s"]
    assert isinstance(ready, float) and 0 < ready < 3.0, frame  # ready before the header
    assert outcomes(frame) == EXPECTED, frame
    assert frame["candidate_processes"] == 1, frame


def test_a_header_that_comes_before_they_are_ready_waits_for_them(image: str) -> None:
    frame = supervise(image, {**PYTEST, "isolation": "process"})
    assert frame["prestart"]["used"] is True, frame
    assert outcomes(frame) == EXPECTED, frame


def test_a_shared_grading_starts_its_process_after_the_header(image: str) -> None:
    frame = supervise(image, {**PYTEST, "isolation": "shared"})
    assert frame["ok"] is True, frame
    assert frame["prestart"] == {"used": False}, frame
    assert outcomes(frame) == EXPECTED, frame


def test_collect_does_not_use_them(image: str) -> None:
    frame = supervise(image, {"command": "collect", "isolation": "process"})
    assert frame["ok"] is True, frame
    assert frame["prestart"] == {"used": False}, frame
    items = [r["id"] for r in frame["records"] if r.get("event") == "item"]
    assert [i.split("::")[1] for i in items] == list(EXPECTED), frame


def test_a_test_process_that_died_before_go_is_replaced(image: str) -> None:
    frame = supervise(image, {**PYTEST, "isolation": "process"}, driver=DIES_BEFORE_GO)
    assert frame["ok"] is True, frame
    assert frame["prestart"] == {"used": False}, frame
    assert outcomes(frame) == EXPECTED, frame
