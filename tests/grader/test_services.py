"""Sidecar services for real: a grading reaches its own PostgreSQL and Redis, and nothing else.

Each test runs a probe suite as the hidden tests of a real sandbox with services, the
way a grading does (DockerSandbox.run with the job's services), and then checks that
the services and their network are gone.
"""

from __future__ import annotations

import contextlib
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from grader import services
from grader.challenge import Limits
from grader.engine import LABEL, OWNER_LABEL, owner
from grader.results import evaluate
from grader.sandbox import DockerSandbox, SandboxJob
from grader.services import ServiceKind, ServiceRequest
from tests.support.sandbox import tree

pytestmark = pytest.mark.docker

BOTH = (ServiceRequest(ServiceKind.POSTGRES, "15"), ServiceRequest(ServiceKind.REDIS, "7"))
LIMITS = Limits(timeout_s=60, memory_mb=256, cpus=1.0)

PROBE = """
import os, socket

OTHER = {other!r}  # a service of another grading, running now
HOST_PORT = {host_port!r}  # a listener on the host, on every address (0.0.0.0)


def connect(host, port, timeout=2.0):
    with socket.create_connection((host, port), timeout=timeout) as s:
        return s.getpeername()


def redis(command):
    with socket.create_connection(("redis", 6379), timeout=5) as s:
        s.sendall(command)
        return s.recv(100)


def test_the_environment_names_the_services():
    assert os.environ["DATABASE_URL"] == "postgresql://grader:grader@postgres:5432/grader"
    assert os.environ["PGHOST"] == "postgres" and os.environ["PGPASSWORD"] == "grader"
    assert os.environ["REDIS_URL"] == "redis://redis:6379/0"


def test_its_own_services_answer():
    assert redis(b"PING\\r\\n") == b"+PONG\\r\\n"
    connect("postgres", 5432)


def test_the_services_start_empty():
    assert redis(b"DBSIZE\\r\\n") == b":0\\r\\n"
    assert redis(b"SET left-by-a-grading 1\\r\\n") == b"+OK\\r\\n"


def test_the_internet_is_out_of_reach():
    for host, port in (("1.1.1.1", 443), ("8.8.8.8", 53)):
        try:
            connect(host, port)
        except OSError:
            continue
        raise AssertionError(f"reached {{host}}:{{port}}")
    try:
        socket.getaddrinfo("example.com", 443)
    except OSError:
        return
    raise AssertionError("resolved a public name")


def test_the_host_is_out_of_reach():
    own = socket.gethostbyname(socket.gethostname()).split(".")
    gateway = ".".join(own[:3] + ["1"])
    reached = []
    for host in (gateway, "172.17.0.1"):
        for port in (HOST_PORT, 22, 80, 2375, 2376, 5432, 6379, 8000):
            try:
                connect(host, port, timeout=1.0)
                reached.append((host, port))
            except OSError:
                pass
    assert reached == [], f"reached the host: {{reached}}"


def test_another_gradings_services_are_out_of_reach():
    try:
        connect(OTHER, 6379, timeout=2.0)
    except OSError:
        return
    raise AssertionError(f"reached another grading's redis at {{OTHER}}")


def test_no_docker_socket():
    assert not os.path.exists("/var/run/docker.sock")
"""


def probe_outcomes(
    sandbox: DockerSandbox, image: str, tmp_path: Path, other: str, host_port: int
) -> Any:
    hidden = tmp_path / "hidden"
    hidden.mkdir(exist_ok=True)
    (hidden / "test_probe.py").write_text(PROBE.format(other=other, host_port=host_port))
    artifacts = sandbox.run(SandboxJob(image, tree({}), hidden, LIMITS, services=BOTH))
    ids = [f"hidden/test_probe.py::{n}" for n in PROBE_NAMES]
    return artifacts, {
        t.id.split("::")[1]: (t.outcome, t.message) for t in evaluate(artifacts, ids).tests
    }


PROBE_NAMES = [
    "test_the_environment_names_the_services",
    "test_its_own_services_answer",
    "test_the_services_start_empty",
    "test_the_internet_is_out_of_reach",
    "test_the_host_is_out_of_reach",
    "test_another_gradings_services_are_out_of_reach",
    "test_no_docker_socket",
]


@pytest.fixture(scope="module")
def env(docker_services: Any) -> tuple[DockerSandbox, str]:
    builder, sandbox = docker_services
    for kind in ServiceKind:
        builder.service_image(kind.value)
    return sandbox, str(builder.for_language("python").reference)


class _Listener:
    def __init__(self) -> None:
        self.server = socketserver.TCPServer(("0.0.0.0", 0), socketserver.BaseRequestHandler)
        self.port = int(self.server.server_address[1])


@contextlib.contextmanager
def host_listener() -> Iterator[_Listener]:
    """A TCP service on the host, listening on 0.0.0.0 (as sshd or a dev server would)."""
    listener = _Listener()
    thread = threading.Thread(target=listener.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield listener
    finally:
        listener.server.shutdown()
        listener.server.server_close()


def images(sandbox: DockerSandbox) -> dict[ServiceKind, tuple[str, str]]:
    return {kind: sandbox._service_image(kind) for kind in ServiceKind}


def test_a_grading_reaches_its_own_services_and_nothing_else(
    env: tuple[DockerSandbox, str], tmp_path: Path
) -> None:
    sandbox, image = env
    client = docker.from_env()
    # Another grading's services, running meanwhile, and a host service on every address:
    # the probe must reach neither.
    with (
        host_listener() as listener,
        services.running(sandbox.engine, BOTH, images(sandbox), {"grader.test": "other"}) as other,
    ):
        [redis] = client.containers.list(
            filters={"label": "grader.service=redis", "network": other.network}
        )
        address = redis.attrs["NetworkSettings"]["Networks"][other.network]["IPAddress"]
        for _ in range(2):  # twice: the second grading's services start empty again
            artifacts, seen = probe_outcomes(sandbox, image, tmp_path, address, listener.port)
            failed = {n: m for n, (o, m) in seen.items() if o != "passed"}
            assert failed == {}, failed
    assert set(artifacts.services) == {"postgres", "redis"}
    assert artifacts.services["postgres"]["version"] == "15"
    assert artifacts.services["redis"]["digest"].startswith("sha256:")
    assert 0 < artifacts.services_start_s < 30


def test_nothing_is_left_after_gradings_with_services(env: tuple[DockerSandbox, str]) -> None:
    """Run after the probe above: its services, the other grading's and their networks."""
    client = docker.from_env()
    mine = f"{OWNER_LABEL}={owner()}"  # a grading elsewhere on the same engine may run
    leftovers = client.containers.list(
        all=True, filters={"label": ["grader.purpose=service", mine]}
    )
    networks = client.networks.list(filters={"label": [LABEL, mine]})
    assert leftovers == [] and networks == []
