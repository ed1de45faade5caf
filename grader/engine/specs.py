"""What a sandbox or service container is (``ContainerSpec``), what running one gave
(``ContainerRun``), and the Docker arguments that create it hardened.

The hardened values are the defaults: no capability but three, read-only root,
no new privileges, bounded memory, CPUs, processes, files and output, no logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import docker

from grader.engine.owners import LABEL, OWNER_LABEL, owner


@dataclass(frozen=True)
class ContainerSpec:
    """Everything about one sandbox container; hardened values are the defaults."""

    image: str
    memory_mb: int
    cpus: float
    pids_limit: int
    tmpfs: dict[str, str]
    read_only_binds: dict[str, str] = field(default_factory=dict)  # container path -> host path
    runtime: str = "runc"
    # PID 1 starts as root with three capabilities only, to run the tests under the
    # grader's uid and the candidate's code under another (runner/supervise.py); every
    # process it starts drops them with its uid.
    user: str = "0:0"
    cap_add: tuple[str, ...] = ("SETUID", "SETGID", "KILL")
    labels: dict[str, str] = field(default_factory=dict)
    nofile: int = 1024
    fsize_mb: int = 64
    # A grading with services joins their private network (grader/services.py); else none.
    network: str = "none"
    environment: dict[str, str] = field(default_factory=dict)
    command: list[str] | None = None  # a service's; a sandbox runs its image's entrypoint
    aliases: tuple[str, ...] = ()  # a service's name on its network (postgres, redis)
    stdin: bool = True  # a sandbox's supervisor reads the working tree on stdin


@dataclass(frozen=True)
class ContainerRun:
    exit_code: int | None
    oom_killed: bool
    killed_by_host: bool
    stdout: bytes
    stdout_dropped: int


def create_kwargs(spec: ContainerSpec) -> dict[str, Any]:
    memory = f"{spec.memory_mb}m"
    return {
        "user": spec.user,
        **network_kwargs(spec),
        "read_only": True,
        "stdin_open": spec.stdin,
        "tmpfs": spec.tmpfs,
        "mounts": [
            docker.types.Mount(target, source, type="bind", read_only=True)
            for target, source in spec.read_only_binds.items()
        ],
        "mem_limit": memory,
        "memswap_limit": memory,  # equal: no swap
        "nano_cpus": int(spec.cpus * 1e9),
        "pids_limit": spec.pids_limit,
        "cap_drop": ["ALL"],
        "cap_add": list(spec.cap_add),
        "security_opt": ["no-new-privileges"],
        "ulimits": [
            docker.types.Ulimit(name="nofile", soft=spec.nofile, hard=spec.nofile),
            docker.types.Ulimit(name="fsize", soft=spec.fsize_mb << 20, hard=spec.fsize_mb << 20),
        ],
        "shm_size": "16m",
        "ipc_mode": "private",
        "privileged": False,
        "runtime": spec.runtime,
        "log_config": {"type": "none"},  # output is read, bounded, from the attach stream only
        "labels": {LABEL: "1", OWNER_LABEL: owner(), **spec.labels},
        "environment": dict(spec.environment),
        "use_config_proxy": False,
        "detach": True,
        **({"command": spec.command} if spec.command is not None else {}),
    }


def network_kwargs(spec: ContainerSpec) -> dict[str, Any]:
    if spec.network == "none":
        return {"network_mode": "none"}
    endpoint = docker.types.EndpointConfig("1.41", aliases=list(spec.aliases) or None)
    return {"network": spec.network, "networking_config": {spec.network: endpoint}}
