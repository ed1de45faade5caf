"""Warm sandboxes: started ahead, used once, filled with the job's own hidden suite."""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path

import pytest

from grader.challenge import Limits
from grader.images import ImageBuilder
from grader.results import evaluate
from grader.sandbox import DockerSandbox, SandboxJob, _key
from grader.services import ServiceKind, ServiceRequest
from tests.support.sandbox import ISOLATION_TESTS, tree

pytestmark = pytest.mark.docker
LIMITS = Limits(timeout_s=20, memory_mb=128, cpus=1.0)


def containers(marker: str) -> list[str]:
    return subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=grader.test={marker}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()


def job(image: str, folder: Path, tests: str, marker: str) -> SandboxJob:
    hidden = folder / "hidden"
    hidden.mkdir(parents=True)
    (hidden / "test_probe.py").write_text(tests)
    return SandboxJob(
        image, tree({"solution.py": "VALUE = 42\n"}), hidden, LIMITS, labels={"grader.test": marker}
    )


def wait_warm(sandbox: DockerSandbox, first: SandboxJob) -> None:
    assert sandbox.pool is not None
    key = _key(first, sandbox.settings.runtime)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with sandbox.pool._lock:
            if sandbox.pool._warm.get(key):
                return
        time.sleep(0.1)
    raise AssertionError("no warm sandbox was started")


@pytest.fixture
def warm(docker_services, tmp_path: Path) -> tuple[DockerSandbox, str]:  # type: ignore[no-untyped-def]
    builder, cold = docker_services
    # A data folder of its own: other pools on this machine keep their warm folders elsewhere.
    settings = cold.settings.model_copy(update={"data_dir": tmp_path / "data"})
    sandbox = DockerSandbox(settings, cold.engine, warm=True)
    yield sandbox, builder.for_language("python").reference
    sandbox.close()


def test_the_next_job_runs_in_a_warm_sandbox_with_its_own_suite(warm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sandbox, image = warm
    marker = uuid.uuid4().hex
    first = job(image, tmp_path / "a", "def test_first():\n    pass\n", marker)
    assert (
        evaluate(sandbox.run(first), ["hidden/test_probe.py::test_first"]).tests[0].outcome
        == "passed"
    )
    wait_warm(sandbox, first)
    second = job(image, tmp_path / "b", ISOLATION_TESTS, marker)
    names = [
        line.split("(")[0][4:]
        for line in ISOLATION_TESTS.splitlines()
        if line.startswith("def test_")
    ]
    suite = evaluate(sandbox.run(second), [f"hidden/test_probe.py::{n}" for n in names])
    assert {t.id.split("::")[1]: t.outcome for t in suite.tests} == {n: "passed" for n in names}


def test_a_warm_sandbox_that_died_is_replaced(warm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sandbox, image = warm
    marker = uuid.uuid4().hex
    first = job(image, tmp_path / "a", "def test_one():\n    pass\n", marker)
    sandbox.run(first)
    wait_warm(sandbox, first)
    for container in containers(marker):  # the waiting one, killed from outside
        subprocess.run(["docker", "rm", "-f", container], capture_output=True, check=True)
    again = job(image, tmp_path / "b", "def test_two():\n    pass\n", marker)
    assert (
        evaluate(sandbox.run(again), ["hidden/test_probe.py::test_two"]).tests[0].outcome
        == "passed"
    )


def test_closing_the_pool_leaves_no_container(warm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sandbox, image = warm
    marker = uuid.uuid4().hex
    first = job(image, tmp_path / "a", "def test_one():\n    pass\n", marker)
    sandbox.run(first)
    wait_warm(sandbox, first)
    sandbox.close()
    deadline = time.monotonic() + 30  # the used one is removed in the background
    while containers(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert containers(marker) == []
    assert not any((sandbox.settings.data_dir / "warm").iterdir())


def test_the_next_sandbox_is_started_while_a_job_runs(warm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sandbox, image = warm
    marker = uuid.uuid4().hex
    # Long enough for a container to start several times over, even on a loaded machine.
    slow = job(
        image, tmp_path / "a", "import time\n\ndef test_slow():\n    time.sleep(6)\n", marker
    )
    assert sandbox.pool is not None
    sandbox.run(slow)
    with sandbox.pool._lock:
        ready = list(sandbox.pool._warm.get(_key(slow, sandbox.settings.runtime), []))
    assert len(ready) == 1, "the next job's sandbox was not ready when this one ended"


# -- warm sets with services ----------------------------------------------------------------
REDIS_ONLY = (ServiceRequest(ServiceKind.REDIS, "7"),)
# Writes a key and checks that the grading's Redis started empty (no earlier grading's key).
REDIS_PROBE = """
import os, socket


def redis(command):
    with socket.create_connection(("redis", 6379), timeout=5) as s:
        s.sendall(command)
        return s.recv(100)


def test_starts_empty_and_keeps_what_it_is_given():
    assert os.environ["REDIS_URL"] == "redis://redis:6379/0"
    assert redis(b"DBSIZE\\r\\n") == b":0\\r\\n"
    assert redis(b"SET left behind\\r\\n") == b"+OK\\r\\n"
"""
REDIS_TEST = "hidden/test_probe.py::test_starts_empty_and_keeps_what_it_is_given"


def service_job(image: str, folder: Path, marker: str) -> SandboxJob:
    base = job(image, folder, REDIS_PROBE, marker)
    return SandboxJob(
        base.image,
        base.workspace_tar,
        base.hidden_dir,
        LIMITS,
        labels=base.labels,
        services=REDIS_ONLY,
    )


def services_of(marker: str) -> list[str]:
    return subprocess.run(
        [
            "docker",
            "ps",
            "-aq",
            "--filter",
            f"label=grader.test={marker}",
            "--filter",
            "label=grader.purpose=service",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()


def networks_of(marker: str) -> list[str]:
    return subprocess.run(
        ["docker", "network", "ls", "-q", "--filter", f"label=grader.test={marker}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()


@pytest.fixture
def warm_services(warm):  # type: ignore[no-untyped-def]
    sandbox, image = warm
    ImageBuilder(sandbox.settings, sandbox.engine).service_image("redis")
    return sandbox, image


def test_a_job_with_services_finds_a_warm_set_whose_services_start_empty(
    warm_services,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    sandbox, image = warm_services
    marker = uuid.uuid4().hex
    first = service_job(image, tmp_path / "a", marker)
    cold = sandbox.run(first)
    assert evaluate(cold, [REDIS_TEST]).tests[0].outcome == "passed"
    assert cold.services_start_s > 0  # nothing was warm: this grading waited for Redis
    wait_warm(sandbox, first)
    for attempt in ("b", "c"):  # each in a set of its own, started after the last one ran
        warmed = sandbox.run(service_job(image, tmp_path / attempt, marker))
        assert evaluate(warmed, [REDIS_TEST]).tests[0].outcome == "passed", warmed.output
        assert warmed.services_start_s == 0.0 and set(warmed.services) == {"redis"}
        wait_warm(sandbox, first)
    sandbox.close()
    assert services_of(marker) == [] and networks_of(marker) == []


def test_a_warm_set_whose_service_died_is_replaced(
    warm_services,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    sandbox, image = warm_services
    marker = uuid.uuid4().hex
    first = service_job(image, tmp_path / "a", marker)
    sandbox.run(first)
    wait_warm(sandbox, first)
    for container in services_of(marker):  # the waiting set's Redis, killed from outside
        subprocess.run(["docker", "rm", "-f", container], capture_output=True, check=True)
    again = sandbox.run(service_job(image, tmp_path / "b", marker))
    assert evaluate(again, [REDIS_TEST]).tests[0].outcome == "passed", again.output
