"""The Docker engine as the grader uses it: images, sandboxes, service networks, housekeeping.

Every call has a timeout; every docker or requests error becomes an
InfrastructureError here (``docker_errors``), so no foreign exception escapes.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests.exceptions
from docker.models.containers import _create_container_args

from grader import metrics
from grader.engine.networks import BRIDGE_PREFIX, block_host_from_bridges
from grader.engine.owners import LABEL, OWNER_LABEL, is_stale, owner, owner_is_dead
from grader.engine.specs import ContainerRun, ContainerSpec, create_kwargs
from grader.engine.streams import BoundedStreamReader
from grader.errors import InfrastructureError

log = logging.getLogger("grader.engine")


FINAL_WAIT_S = 10.0  # for a container's exit once its output has ended (or it was killed)


class ExitWatch(threading.Thread):
    """``container.wait`` asked before the working tree is sent. The engine ends the output
    stream only once it has torn the container down (runc's delete, ~30 ms), so a wait asked
    after the stream ends costs one more round trip; asked ahead, it returns with the stream.
    A failure here is not an answer: the caller then asks again the usual way."""

    def __init__(self, container: Any, timeout_s: float) -> None:
        super().__init__(daemon=True, name="grader-exit-watch")
        self.container = container
        self.timeout_s = timeout_s
        self.failed = False

    def run(self) -> None:
        try:
            self.container.wait(timeout=self.timeout_s)
        except (docker.errors.DockerException, requests.exceptions.RequestException):
            self.failed = True


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
                container = self._create(spec)
                try:
                    container.start()
                except BaseException:
                    self._remove(container)
                    raise
        except InfrastructureError:
            metrics.record("sandbox_start_failures")
            raise
        return container

    def _create(self, spec: ContainerSpec) -> Any:
        """Create a container in one API call: the SDK's ``containers.create`` inspects the new
        container afterwards, a second round trip whose answer no caller reads (they reload
        when they need its state)."""
        arguments = {**create_kwargs(spec), "image": spec.image, "command": spec.command}
        arguments["version"] = self._client.api._version
        created = self._client.api.create_container(**_create_container_args(arguments))
        return self._client.containers.prepare_model({"Id": created["Id"]})

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
        reader = BoundedStreamReader(raw, stdout_limit)
        deadline = time.monotonic() + wall_timeout_s
        killed = False
        exit_watch = ExitWatch(container, wall_timeout_s + FINAL_WAIT_S)
        exit_watch.start()
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
        state = self._final_state(container, exit_watch)
        return ContainerRun(
            exit_code=state.get("ExitCode"),
            oom_killed=bool(state.get("OOMKilled")),
            killed_by_host=killed,
            stdout=bytes(reader.data),
            stdout_dropped=reader.dropped,
        )

    def _final_state(self, container: Any, exit_watch: ExitWatch) -> dict[str, Any]:
        exit_watch.join(timeout=FINAL_WAIT_S)
        if exit_watch.is_alive() or exit_watch.failed:  # ask again, as if it had never asked
            try:
                container.wait(timeout=FINAL_WAIT_S)
            except requests.exceptions.RequestException:
                container.kill()
                container.wait(timeout=FINAL_WAIT_S)
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
            if not is_stale(container, older_than_s, now):
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
