"""The only module that talks to Docker.

Every call has a timeout; every docker or requests error becomes an
InfrastructureError here, so no foreign exception escapes. Containers are
labelled ``grader.sandbox`` so that stale ones can be found and removed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests.exceptions

from grader import metrics
from grader.errors import InfrastructureError

log = logging.getLogger("grader.engine")
LABEL = "grader.sandbox"
_STREAM_HEADER = struct.Struct(">BxxxL")


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


@contextlib.contextmanager
def docker_errors(what: str) -> Iterator[None]:
    """Translate docker's and requests' exceptions into InfrastructureError."""
    try:
        yield
    except docker.errors.ImageNotFound as exc:
        raise InfrastructureError(
            f"{what}: image not found ({exc.explanation}); run `make images`"
        ) from exc
    except docker.errors.APIError as exc:
        raise InfrastructureError(f"{what}: Docker refused: {exc.explanation or exc}") from exc
    except (docker.errors.DockerException, requests.exceptions.RequestException, OSError) as exc:
        raise InfrastructureError(f"{what}: Docker engine unreachable or failing ({exc})") from exc


class Engine:
    """A thin, typed face of the Docker SDK for the grader's few needs."""

    def __init__(self, timeout_s: float = 120.0) -> None:
        with docker_errors("connecting to the Docker engine"):
            self._client = docker.from_env(timeout=int(timeout_s))
            self._client.ping()

    def ping(self) -> None:
        """Raises InfrastructureError unless the engine answers on a new connection (a pooled
        one can outlive the engine's socket)."""
        with docker_errors("connecting to the Docker engine"):
            self._client.api.close()
            self._client.ping()

    # -- images -----------------------------------------------------------
    def image_id(self, reference: str) -> str | None:
        with docker_errors(f"inspecting image {reference}"):
            try:
                return str(self._client.images.get(reference).id)
            except docker.errors.ImageNotFound:
                return None

    def try_pull(self, reference: str) -> str | None:
        """Pull an image; None when it cannot be had (no registry, unknown name)."""
        try:
            return str(self._client.images.pull(reference).id)
        except (docker.errors.DockerException, requests.exceptions.RequestException):
            return None

    def import_rootfs(self, tar_path: Path, reference: str) -> str:
        repository, tag = reference.rsplit(":", 1)
        with docker_errors(f"importing {reference}"), tar_path.open("rb") as data:
            self._client.api.import_image_from_data(data.read(), repository=repository, tag=tag)
        image = self.image_id(reference)
        if image is None:
            raise InfrastructureError(f"importing {reference}: image missing after import")
        return image

    def build(self, context: Path, reference: str, buildargs: dict[str, str]) -> str:
        """Build offline (network none); the build log is kept for the error message."""
        log: list[str] = []
        with docker_errors(f"building {reference}"):
            try:
                image, chunks = self._client.images.build(
                    path=str(context),
                    tag=reference,
                    buildargs=buildargs,
                    network_mode="none",
                    rm=True,
                    forcerm=True,
                    pull=False,
                )
            except docker.errors.BuildError as exc:
                for chunk in exc.build_log:
                    log.append(str(chunk.get("stream") or chunk.get("error") or ""))
                tail = "".join(log)[-3000:]
                raise InfrastructureError(f"building {reference} failed:\n{tail}") from exc
        del chunks
        return str(image.id)

    def run_in_image(self, image: str, command: list[str], timeout_s: float = 60) -> str:
        """Run a trusted command (no network) and return its output; for probing images."""
        with docker_errors(f"probing {image}"):
            container = self._client.containers.create(
                image, command, entrypoint=[], network_mode="none", labels={LABEL: "probe"}
            )
            try:
                container.start()
                result = container.wait(timeout=timeout_s)
                output = container.logs(stdout=True, stderr=True)
                if result.get("StatusCode") != 0:
                    raise InfrastructureError(f"probing {image}: {output.decode(errors='replace')}")
                return str(output.decode(errors="replace"))
            finally:
                container.remove(force=True)

    # -- sandboxes --------------------------------------------------------
    def start_sandbox(self, spec: ContainerSpec) -> Any:
        """A created and started sandbox, its supervisor waiting for the working tree on stdin."""
        try:
            with docker_errors("starting a sandbox"):
                container = self._client.containers.create(spec.image, **_create_kwargs(spec))
                try:
                    container.start()
                except BaseException:
                    self._remove(container)
                    raise
        except InfrastructureError:
            metrics.record("sandbox_start_failures")
            raise
        return container

    def run_sandbox(
        self,
        spec: ContainerSpec,
        stdin: bytes,
        wall_timeout_s: float,
        stdout_limit: int,
        started: Any = None,
        remove_in_background: bool = False,
    ) -> ContainerRun:
        """Feed one sandbox (``started`` ahead of time, or a new one), wait (bounded), collect
        (bounded), and always remove it; in the background when the caller has no time to wait."""
        container = started if started is not None else self.start_sandbox(spec)
        try:
            with docker_errors("running the sandbox"):
                return self._feed_and_wait(container, stdin, wall_timeout_s, stdout_limit)
        finally:
            if remove_in_background:
                threading.Thread(target=self._remove_logged, args=(container,), daemon=True).start()
            else:
                self._remove(container)

    def is_running(self, container: Any) -> bool:
        try:
            container.reload()
        except (docker.errors.DockerException, requests.exceptions.RequestException):
            return False
        return bool(container.attrs.get("State", {}).get("Running"))

    def remove(self, container: Any) -> None:
        self._remove(container)

    def _remove_logged(self, container: Any) -> None:
        """Background removal: a failure is logged; `grader reap` and worker start clean up."""
        try:
            self._remove(container)
        except InfrastructureError as exc:
            log.error("%s", exc)

    def _feed_and_wait(
        self, container: Any, stdin: bytes, wall_timeout_s: float, stdout_limit: int
    ) -> ContainerRun:
        attached = container.attach_socket(params={"stdin": 1, "stdout": 1, "stream": 1})
        raw: socket.socket = attached._sock
        reader = _BoundedStreamReader(raw, stdout_limit)
        deadline = time.monotonic() + wall_timeout_s
        killed = False
        # A container that died early refuses the input; its exit status tells why.
        with contextlib.suppress(OSError):
            raw.sendall(stdin)
        reader.start()
        reader.join(timeout=max(deadline - time.monotonic(), 0.1))
        if reader.is_alive():
            killed = True
            with contextlib.suppress(docker.errors.APIError):
                container.kill()
            reader.join(timeout=10)
        with contextlib.suppress(OSError):
            raw.close()
        state = self._final_state(container)
        return ContainerRun(
            exit_code=state.get("ExitCode"),
            oom_killed=bool(state.get("OOMKilled")),
            killed_by_host=killed,
            stdout=bytes(reader.data),
            stdout_dropped=reader.dropped,
        )

    def _final_state(self, container: Any) -> dict[str, Any]:
        try:
            container.wait(timeout=10)
        except requests.exceptions.RequestException:
            container.kill()
            container.wait(timeout=10)
        container.reload()
        return dict(container.attrs.get("State", {}))

    def _remove(self, container: Any) -> None:
        """Remove a container; a failure is reported, never swallowed (it would leak)."""
        try:
            container.remove(force=True, v=True)
        except docker.errors.NotFound:
            return
        except docker.errors.APIError as exc:
            if exc.status_code == 409 and "already in progress" in str(exc.explanation):
                return  # another worker's housekeeping, or our own background removal
            raise InfrastructureError(f"removing sandbox {container.short_id}: {exc}") from exc
        except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
            raise InfrastructureError(f"removing sandbox {container.short_id}: {exc}") from exc

    def remove_stale(self, older_than_s: float = 0.0) -> int:
        """Remove the sandboxes left behind; returns how many.

        A sandbox whose owner (a process on this host) is dead goes at once; one
        whose owner is unknown or elsewhere, once older than ``older_than_s``.
        """
        removed = 0
        now = time.time()
        with docker_errors("listing stale sandboxes"):
            # ignore_removed: a sandbox that ends between the listing and its inspection
            # (another worker's) must not fail the whole round, nor a worker's start
            listed = self._client.containers.list(
                all=True, filters={"label": LABEL}, ignore_removed=True
            )
        for container in listed:
            if not _stale(container, older_than_s, now):
                continue
            try:
                self._remove(container)
            except InfrastructureError as exc:  # one stuck sandbox must not stop the others
                log.warning("%s; tried again at the next round", exc)
                continue
            removed += 1
        return removed

    # -- the private networks of gradings with services ---------------------------------
    def create_network(self, name: str, labels: dict[str, str]) -> None:
        """A bridge with no route out (``internal``): its containers reach each other only.

        ``internal`` drops forwarded traffic, not traffic to the host's own addresses (the
        bridge's gateway, docker0 ...), which the INPUT chain would accept: so the bridge
        gets a name under BRIDGE_PREFIX, and one firewall rule drops everything that comes
        in from such a bridge to the host."""
        block_host_from_bridges()
        with docker_errors("creating a grading's network"):
            self._client.networks.create(
                name,
                driver="bridge",
                internal=True,
                labels={LABEL: "1", OWNER_LABEL: owner(), **labels},
                options={
                    "com.docker.network.bridge.enable_icc": "true",
                    "com.docker.network.bridge.name": BRIDGE_PREFIX + name[-11:],  # 15 chars
                },
            )

    def remove_network(self, name: str) -> None:
        with docker_errors("removing a grading's network"):
            try:
                self._client.networks.get(name).remove()
            except docker.errors.NotFound:
                return

    def remove_stale_networks(self) -> int:
        """Networks of dead owners, once their containers are gone; returns how many."""
        removed = 0
        with docker_errors("listing stale networks"):
            listed = self._client.networks.list(filters={"label": LABEL})
        for network in listed:
            if owner_is_dead(network.attrs.get("Labels", {}).get(OWNER_LABEL, "")):
                with contextlib.suppress(docker.errors.APIError):
                    network.remove()
                    removed += 1
        return removed

    def exec_ok(self, container: Any, command: list[str]) -> bool:
        """Whether ``command`` exits 0 in a running container (a readiness probe)."""
        with docker_errors("probing a service"):
            code, _output = container.exec_run(command, user=None)
            return bool(code == 0)

    def count_sandboxes(self) -> int:
        with docker_errors("listing sandboxes"):
            listed = self._client.containers.list(
                all=True, filters={"label": LABEL}, ignore_removed=True
            )
            return len(listed)

    def runtimes(self) -> set[str]:
        with docker_errors("reading engine info"):
            return set(self._client.info().get("Runtimes", {}))


OWNER_LABEL = "grader.owner"
BRIDGE_PREFIX = "grb-"  # the host interfaces of gradings' networks (iptables: grb-+)
_host_blocked = False


def block_host_from_bridges() -> None:
    """Drop, on the host, every packet that arrives from a grading's bridge (idempotent).

    Without it a sandbox or a service on such a network reaches any host service that
    listens on 0.0.0.0. No rule, no network: a grading with services is refused rather
    than let the host be reached."""
    global _host_blocked
    if _host_blocked:
        return
    rule = ["INPUT", "-i", BRIDGE_PREFIX + "+", "-j", "DROP"]
    try:
        present = subprocess.run(["iptables", "-C", *rule], capture_output=True, timeout=30)
        if present.returncode != 0:
            added = subprocess.run(
                ["iptables", "-I", *rule], capture_output=True, text=True, timeout=30
            )
            if added.returncode != 0:
                raise InfrastructureError(
                    f"cannot keep gradings' networks off the host: {added.stderr.strip()}"
                )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InfrastructureError(f"cannot keep gradings' networks off the host: {exc}") from exc
    _host_blocked = True


def owner() -> str:
    """This process, as ``host:pid``: what a sandbox or a working folder belongs to."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_is_dead(owner: str) -> bool:
    """True for a process of this host that no longer runs; False when unsure."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # a zombie (killed, not yet reaped) is dead too
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


ABANDONED_AFTER_S = 60.0


def _stale(container: Any, older_than_s: float, now: float) -> bool:
    """Left behind: its owner is dead, or it is older than any grading, or abandoned.

    Abandoned: created and never started, or ended, a minute ago or more; what a
    live worker leaves when the engine fails between its create and its start,
    or during its removal (an engine restart).
    """
    created = container.attrs.get("Created", "")
    if owner_is_dead(container.labels.get(OWNER_LABEL, "")):
        return True
    if not older_than_s or _age_s(created, now) >= older_than_s:
        return True
    state = container.attrs.get("State", {})
    if state.get("Status") == "created":
        return _age_s(created, now) > ABANDONED_AFTER_S
    if state.get("Status") in ("exited", "dead"):
        return _age_s(state.get("FinishedAt", ""), now) > ABANDONED_AFTER_S
    return False


def _age_s(created: str, now: float) -> float:
    from datetime import datetime

    try:
        stamp = datetime.fromisoformat(created[:26].rstrip("Z") + "+00:00")
    except ValueError:
        return float("inf")
    return now - stamp.timestamp()


def _create_kwargs(spec: ContainerSpec) -> dict[str, Any]:
    memory = f"{spec.memory_mb}m"
    return {
        "user": spec.user,
        **_network_kwargs(spec),
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


def _network_kwargs(spec: ContainerSpec) -> dict[str, Any]:
    if spec.network == "none":
        return {"network_mode": "none"}
    endpoint = docker.types.EndpointConfig("1.41", aliases=list(spec.aliases) or None)
    return {"network": spec.network, "networking_config": {spec.network: endpoint}}


class _BoundedStreamReader(threading.Thread):
    """Reads the multiplexed attach stream to its end, keeping only the last ``limit`` bytes.

    The supervisor writes its frame last, so keeping the tail keeps the frame
    even if something floods the stream before it.
    """

    def __init__(self, sock: socket.socket, limit: int) -> None:
        super().__init__(daemon=True)
        self._sock = sock
        self._limit = limit
        self.data = bytearray()
        self.dropped = 0
        self._pending = bytearray()

    def run(self) -> None:
        self._sock.settimeout(None)
        while True:
            try:
                chunk = self._sock.recv(1 << 16)
            except OSError:
                return
            if not chunk:
                return
            self._pending += chunk
            self._demux()

    def _demux(self) -> None:
        while len(self._pending) >= _STREAM_HEADER.size:
            _stream, size = _STREAM_HEADER.unpack_from(self._pending)
            if len(self._pending) < _STREAM_HEADER.size + size:
                return
            self.data += self._pending[_STREAM_HEADER.size : _STREAM_HEADER.size + size]
            del self._pending[: _STREAM_HEADER.size + size]
            if len(self.data) > self._limit:
                cut = len(self.data) - self._limit
                self.dropped += cut
                del self.data[:cut]
