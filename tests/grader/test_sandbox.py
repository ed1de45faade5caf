"""The real sandbox, on the real Docker engine: isolation, limits, and a clean host."""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path

import pytest

from grader.challenge import Limits
from grader.config import get_settings
from grader.results import evaluate
from grader.sandbox import DockerSandbox, RunArtifacts, SandboxJob
from tests.support.sandbox import ISOLATION_TESTS, tree

pytestmark = pytest.mark.docker
DEFAULT_LIMITS = Limits(timeout_s=20, memory_mb=128, cpus=1.0)


def run(
    sandbox: DockerSandbox,
    image: str,
    tmp_path: Path,
    tests: str,
    files: dict[str, str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> RunArtifacts:
    hidden = tmp_path / "hidden"
    hidden.mkdir(exist_ok=True)
    (hidden / "test_probe.py").write_text(tests)
    return sandbox.run(SandboxJob(image, tree(files or {}), hidden, limits))


@pytest.fixture(scope="module")
def image(docker_services) -> str:  # type: ignore[no-untyped-def]
    builder, _ = docker_services
    return str(builder.for_language("python").reference)


@pytest.fixture(scope="module", params=["runc", "runsc"])
def sandbox(request: pytest.FixtureRequest, docker_services) -> DockerSandbox:  # type: ignore[no-untyped-def]
    """Each test runs under runc and, where it is registered (make engine), under gVisor."""
    default: DockerSandbox = docker_services[1]
    if request.param == "runc":
        return default
    if "runsc" not in default.engine.runtimes():
        pytest.skip("gVisor (runsc) is not registered with Docker: run `make engine`")
    settings = default.settings.model_copy(update={"runtime": "runsc"})
    return DockerSandbox(settings, default.engine)


def outcomes(artifacts, ids: list[str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {t.id.split("::")[1]: t.outcome for t in evaluate(artifacts, ids).tests}


def test_sandbox_isolation(sandbox: DockerSandbox, image: str, tmp_path: Path) -> None:
    artifacts = run(sandbox, image, tmp_path, ISOLATION_TESTS, {"solution.py": "VALUE = 42\n"})
    names = [
        line.split("(")[0][4:]
        for line in ISOLATION_TESTS.splitlines()
        if line.startswith("def test_")
    ]
    ids = [f"hidden/test_probe.py::{n}" for n in names]
    got = outcomes(artifacts, ids)
    # PID 1 now runs as root, another uid than the test process: even the gVisor that let a
    # process kill its PID 1 refuses the signal, so both runtimes report every probe passed.
    assert got == {n: "passed" for n in names}, evaluate(artifacts, ids).tests


def test_sandbox_isolation_without_signals(
    sandbox: DockerSandbox, image: str, tmp_path: Path
) -> None:
    tests = ISOLATION_TESTS.split("def test_cannot_signal_pid_1")[0]
    tests += (
        "def test_cannot_read_pid_1_memory"
        + ISOLATION_TESTS.split("def test_cannot_read_pid_1_memory")[1]
    )
    names = [line.split("(")[0][4:] for line in tests.splitlines() if line.startswith("def test_")]
    artifacts = run(sandbox, image, tmp_path, tests, {"solution.py": "VALUE = 42\n"})
    got = outcomes(artifacts, [f"hidden/test_probe.py::{n}" for n in names])
    # Under gVisor the same user could open PID 1's stdout; PID 1 is root now, so no longer.
    expected = {n: "passed" for n in names}
    assert got == expected


def test_time_limit_is_enforced_and_leftovers_killed(
    sandbox: DockerSandbox, image: str, tmp_path: Path
) -> None:
    tests = (
        "import subprocess, time\n\ndef test_fast():\n    pass\n\n"
        "def test_forever():\n    subprocess.Popen(['sleep', '1000'], start_new_session=True)\n"
        "    time.sleep(1000)\n\ndef test_after():\n    pass\n"
    )
    started = time.monotonic()
    artifacts = run(
        sandbox, image, tmp_path, tests, limits=Limits(timeout_s=3, memory_mb=128, cpus=1.0)
    )
    elapsed = time.monotonic() - started
    got = outcomes(
        artifacts, [f"hidden/test_probe.py::test_{n}" for n in ("fast", "forever", "after")]
    )
    assert got == {"test_fast": "passed", "test_forever": "timeout", "test_after": "timeout"}
    assert artifacts.timed_out and not artifacts.killed_by_host
    assert elapsed < 3 + 15


def test_memory_limit_kills_the_test_process(
    sandbox: DockerSandbox, image: str, tmp_path: Path
) -> None:
    tests = (
        "def test_ok():\n    pass\n\ndef test_hog():\n    x = bytearray(400 << 20)\n    assert x\n"
    )
    limits = Limits(timeout_s=20, memory_mb=96, cpus=1.0)
    artifacts = run(sandbox, image, tmp_path, tests, limits=limits)
    got = outcomes(artifacts, ["hidden/test_probe.py::test_ok", "hidden/test_probe.py::test_hog"])
    assert got["test_hog"] in {"failed", "error"}
    if sandbox.settings.runtime == "runc":
        # Only the test process dies (or Python raises MemoryError): earlier results stay.
        assert got["test_ok"] == "passed"
    else:
        # gVisor's OOM ends the whole sandbox: no result survives, and the report says why.
        assert artifacts.oom_killed
        assert (
            "out of memory"
            in evaluate(artifacts, ["hidden/test_probe.py::test_ok"]).tests[0].message
        )


def test_output_flood_is_bounded_and_the_result_survives(
    sandbox: DockerSandbox, image: str, tmp_path: Path
) -> None:
    # Written at exit, after pytest's capture has ended, so it reaches the supervisor's pipe.
    tests = (
        "import atexit, os\n\nCHUNK = b'x' * (1 << 20)\n\n"
        "def flood():\n    for _ in range(300):\n        os.write(1, CHUNK)\n\n"
        "def test_flood():\n    atexit.register(flood)\n"
    )
    artifacts = run(sandbox, image, tmp_path, tests)
    assert outcomes(artifacts, ["hidden/test_probe.py::test_flood"]) == {"test_flood": "passed"}
    limit = get_settings().output_limit_kb * 1024
    kept = len(artifacts.output["head"]) + len(artifacts.output["tail"])
    assert kept <= limit and artifacts.output["dropped_bytes"] > 250 << 20


def test_flood_inside_a_test_fills_only_the_sandbox(
    sandbox: DockerSandbox, image: str, tmp_path: Path
) -> None:
    # pytest captures into a file under /tmp: the flood ends at the tmpfs size, in the sandbox.
    tests = (
        "import os\n\ndef test_flood():\n    chunk = b'x' * (1 << 20)\n"
        "    for _ in range(1000):\n        os.write(1, chunk)\n\ndef test_other():\n    pass\n"
    )
    artifacts = run(sandbox, image, tmp_path, tests)
    got = outcomes(
        artifacts, ["hidden/test_probe.py::test_flood", "hidden/test_probe.py::test_other"]
    )
    assert got["test_flood"] != "passed"


def test_no_container_is_left_behind(sandbox: DockerSandbox, image: str, tmp_path: Path) -> None:
    # A label only this run's container has: other gradings may share the engine.
    marker = uuid.uuid4().hex
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_probe.py").write_text("def test_x():\n    pass\n")
    job = SandboxJob(image, tree({}), hidden, DEFAULT_LIMITS, labels={"grader.test": marker})
    assert sandbox.run(job).frame_found
    left = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=grader.test={marker}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert left == []
