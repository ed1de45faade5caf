"""Sidecar services of a grading: fresh PostgreSQL and Redis, private to one sandbox.

A challenge names them in its manifest (``[services] postgres = "15"``); each
grading gets its own empty instances on a network of its own that has no route
out (``internal``), with the sandbox on that network and on nothing else. The
services run as their own non-root users, with memory, CPU and pids limits,
read-only roots and their data on tmpfs; PostgreSQL starts from a data folder
initialised when its image was built, so a start is a copy and a launch. They
are ready (a real probe: ``pg_isready``, ``redis-cli ping``) before the suite
starts, and their start is not counted in ``timeout_s``. Whatever happens,
they go with the grading: removed at its end, and labelled like sandboxes so
that the housekeeping of a worker that died removes them too.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from grader.engine import ContainerSpec, Engine
from grader.errors import InfrastructureError

READY_WITHIN_S = 30.0
PROBE_EVERY_S = 0.05
USER, PASSWORD, DATABASE = "grader", "grader", "grader"


# No persistence, no eviction: a full Redis answers errors, as it would in production.
# fmt: off
REDIS_COMMAND = (
    "redis-server",
    "--port", "6379",
    "--bind", "0.0.0.0",
    "--protected-mode", "no",
    "--save", "",
    "--appendonly", "no",
    "--dir", "/data",
    "--maxmemory", "192mb",
    "--maxmemory-policy", "noeviction",
)
# fmt: on


class ServiceKind(StrEnum):
    POSTGRES = "postgres"
    REDIS = "redis"


@dataclass(frozen=True)
class ServiceType:
    """What the grader knows about one kind of service."""

    kind: ServiceKind
    versions: tuple[str, ...]
    user: str
    port: int
    tmpfs: dict[str, str]
    command: tuple[str, ...]
    probe: tuple[str, ...]
    memory_mb: int = 256
    cpus: float = 1.0
    pids_limit: int = 128

    def environment(self) -> dict[str, str]:
        host = self.kind.value  # its name on the grading's network
        if self.kind is ServiceKind.POSTGRES:
            return {
                "DATABASE_URL": f"postgresql://{USER}:{PASSWORD}@{host}:{self.port}/{DATABASE}",
                "PGHOST": host,
                "PGPORT": str(self.port),
                "PGUSER": USER,
                "PGPASSWORD": PASSWORD,
                "PGDATABASE": DATABASE,
            }
        return {"REDIS_URL": f"redis://{host}:{self.port}/0"}


SERVICES: dict[ServiceKind, ServiceType] = {
    ServiceKind.POSTGRES: ServiceType(
        ServiceKind.POSTGRES,
        versions=("15",),
        user="postgres",
        port=5432,
        tmpfs={"/pgdata": "size=192m,mode=1777", "/tmp": "size=16m,mode=1777"},
        command=(),  # the image's start-postgres (copies the initialised data folder)
        probe=("pg_isready", "-q", "-h", "/pgdata", "-U", USER, "-d", DATABASE),
    ),
    ServiceKind.REDIS: ServiceType(
        ServiceKind.REDIS,
        versions=("7",),
        user="redis",
        port=6379,
        tmpfs={"/data": "size=16m,mode=1777", "/tmp": "size=16m,mode=1777"},
        command=REDIS_COMMAND,
        probe=("redis-cli", "-p", "6379", "ping"),
    ),
}


@dataclass(frozen=True)
class ServiceRequest:
    """One ``[services]`` entry of a manifest."""

    kind: ServiceKind
    version: str

    @property
    def type(self) -> ServiceType:
        return SERVICES[self.kind]


def parse_services(
    table: dict[str, Any], manifest: str, problems: list[str]
) -> tuple[ServiceRequest, ...]:
    """The ``[services]`` table; every unknown kind or version is a problem, with the known."""
    requests = []
    for name, version in sorted(table.items()):
        if name not in {k.value for k in ServiceKind}:
            known = ", ".join(k.value for k in ServiceKind)
            problems.append(f"{manifest}: services.{name}: unknown service (known: {known})")
            continue
        kind = ServiceKind(name)
        versions = SERVICES[kind].versions
        if not isinstance(version, str) or version not in versions:
            problems.append(
                f"{manifest}: services.{name}: version {version!r} is not available "
                f"(available: {', '.join(repr(v) for v in versions)})"
            )
            continue
        requests.append(ServiceRequest(kind, version))
    return tuple(requests)


@dataclass
class RunningServices:
    network: str
    environment: dict[str, str]
    described: dict[str, dict[str, str]] = field(default_factory=dict)  # for the report
    start_s: float = 0.0
    containers: list[Any] = field(default_factory=list)

    def alive(self, engine: Engine) -> bool:
        """Whether every service still runs (one started ahead may have died waiting)."""
        return all(engine.is_running(container) for container in self.containers)


@contextlib.contextmanager
def running(
    engine: Engine,
    requests: tuple[ServiceRequest, ...],
    images: dict[ServiceKind, tuple[str, str]],
    labels: dict[str, str],
    runtime: str = "runc",
) -> Iterator[RunningServices]:
    """Start the services on a new private network, wait until each answers, yield; remove
    them and the network afterwards, whatever happened. ``images``: kind -> (tag, id)."""
    started = time.monotonic()
    network = f"grader-{uuid.uuid4().hex[:16]}"
    engine.create_network(network, {**labels, "grader.purpose": "services"})
    containers: list[Any] = []
    try:
        for request in requests:
            spec = _spec(request.type, images[request.kind][0], network, labels, runtime)
            containers.append(engine.start_sandbox(spec))
        for request, container in zip(requests, containers, strict=True):
            _wait_ready(engine, container, request.type)
        environment: dict[str, str] = {}
        for request in requests:
            environment.update(request.type.environment())
        yield RunningServices(
            network,
            environment,
            {
                r.kind.value: {
                    "image": images[r.kind][0],
                    "digest": images[r.kind][1],
                    "version": r.version,
                }
                for r in requests
            },
            round(time.monotonic() - started, 3),
            list(containers),
        )
    finally:
        for container in containers:
            with contextlib.suppress(InfrastructureError):
                engine.remove(container)
        engine.remove_network(network)


def _spec(
    service: ServiceType, image: str, network: str, labels: dict[str, str], runtime: str
) -> ContainerSpec:
    return ContainerSpec(
        image=image,
        memory_mb=service.memory_mb,
        cpus=service.cpus,
        pids_limit=service.pids_limit,
        tmpfs=dict(service.tmpfs),
        runtime=runtime,
        user=service.user,
        cap_add=(),
        labels={**labels, "grader.purpose": "service", "grader.service": service.kind.value},
        network=network,
        command=list(service.command) or None,
        aliases=(service.kind.value,),
        stdin=False,
    )


def _wait_ready(engine: Engine, container: Any, service: ServiceType) -> None:
    deadline = time.monotonic() + READY_WITHIN_S
    while not engine.exec_ok(container, list(service.probe)):
        if time.monotonic() > deadline:
            raise InfrastructureError(
                f"the {service.kind.value} service did not answer within {READY_WITHIN_S:.0f}s"
            )
        time.sleep(PROBE_EVERY_S)
