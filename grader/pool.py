"""Warm sandboxes: containers started before a job needs them, each used once.

Starting a hardened container costs a few hundred milliseconds (namespaces,
mounts, cgroups), most of a grading's overhead. A pool keeps one started
sandbox per (image, limits, runtime) waiting, its supervisor blocked on stdin,
and starts the next one in the background as soon as one is taken. Each
container still serves exactly one grading and is removed after it.

The hidden suite of a warm sandbox is a host folder bind-mounted read-only at
/work/hidden when the container starts, and filled just before the working
tree is sent: a bind mount shows what is written to its source folder later.

A job with sidecar services (grader.services) is kept warm the same way, as a
set: a private network, its services started and answering, and the sandbox
on that network. The set serves one grading and is torn down after it, in the
background (``release_later``), so no grading ever sees another's data.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.engine import ContainerSpec, Engine
from grader.errors import InfrastructureError
from grader.services import RunningServices, ServiceRequest

log = logging.getLogger("grader.pool")


@dataclass(frozen=True)
class PoolKey:
    image: str
    memory_mb: int
    cpus: float
    runtime: str
    services: tuple[ServiceRequest, ...] = ()


@dataclass
class Warm:
    container: Any
    hidden: Path  # host folder behind /work/hidden
    services: RunningServices | None = None  # the sandbox is on their network
    # Leaving it removes the services and their network.
    teardown: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def discard_folder(self) -> None:
        shutil.rmtree(self.hidden.parent, ignore_errors=True)

    def release_services(self) -> None:
        try:
            self.teardown.close()
        except InfrastructureError as exc:  # `grader reap` and a worker's start clean up
            log.error("%s", exc)


# The sandbox's spec from its hidden folder and the network it joins ("none" without services).
SpecFor = Callable[[Path, str], ContainerSpec]
# Starts a job's services; leaving the context removes them.
ServicesFor = Callable[[], AbstractContextManager[RunningServices]]


class WarmPool:
    """``starts``: at most this many sandboxes started in the pool's life (None: no bound).
    A process that grades once (``grader grade``) starts its one sandbox ahead, while it
    fetches, and no successor; ``take`` then waits for that sandbox if it is still starting
    rather than start another."""

    def __init__(
        self, engine: Engine, root: Path, size: int = 1, starts: int | None = None
    ) -> None:
        self.engine = engine
        self.root = root
        self.size = size
        self.starts = starts
        self._started = 0
        self._warm: dict[PoolKey, list[Warm]] = {}
        self._starting: set[PoolKey] = set()
        self._releasing: list[threading.Thread] = []
        self._lock = threading.Lock()
        # Notified when a start ends (ready or failed): ``take`` waits on it for the sandbox
        # a bounded pool is still starting, and wakes the moment it is ready.
        self._started_one = threading.Condition(self._lock)
        self._closed = False

    def take(self, key: PoolKey) -> Warm | None:
        """A started sandbox for this key, still running, or None."""
        while True:
            with self._lock:
                while not self._warm.get(key):
                    if key not in self._starting or self.starts is None:
                        return None
                    # A bounded pool's one sandbox, still starting: no other comes, so wait
                    # for it (a 10 ms sleep between looks woke up to 10 ms after it was ready).
                    self._started_one.wait(timeout=1.0)
                warm = self._warm[key].pop(0)
            if self.engine.is_running(warm.container) and (
                warm.services is None or warm.services.alive(self.engine)
            ):
                return warm
            self._discard(warm)  # reaped or died while waiting: start afresh

    def ready(self) -> int:
        """How many started sandboxes wait for a job now."""
        with self._lock:
            return sum(len(queue) for queue in self._warm.values())

    def refill(
        self, key: PoolKey, spec_for: SpecFor, services_for: ServicesFor | None = None
    ) -> None:
        """Start, in the background, what the pool lacks for this key (with ``services_for``,
        the job's services first, then the sandbox on their network)."""
        with self._lock:
            if self._closed or key in self._starting or len(self._warm.get(key, [])) >= self.size:
                return
            if self.starts is not None and self._started >= self.starts:
                return
            self._started += 1
            self._starting.add(key)
        threading.Thread(
            target=self._start, args=(key, spec_for, services_for), daemon=True
        ).start()

    def _start(self, key: PoolKey, spec_for: SpecFor, services_for: ServicesFor | None) -> None:
        try:
            hidden = self.root / f"{os.getpid()}-{uuid.uuid4().hex}" / "hidden"
            hidden.mkdir(parents=True)
            warm = Warm(None, hidden)
            try:
                network = "none"
                if services_for is not None:
                    warm.services = warm.teardown.enter_context(services_for())
                    network = warm.services.network
                warm.container = self.engine.start_sandbox(spec_for(hidden, network))
            except InfrastructureError as exc:
                log.warning("could not start a warm sandbox: %s", exc)
                warm.release_services()
                warm.discard_folder()
                return
            with self._lock:
                closed = self._closed
                if not closed:
                    self._warm.setdefault(key, []).append(warm)
            if closed:
                self._discard(warm)
        finally:
            with self._lock:
                self._starting.discard(key)
                self._started_one.notify_all()

    def release_later(self, warm: Warm) -> None:
        """Tear down a used set's services in the background: its grading has its result.
        ``close`` waits for these, so none outlives the pool."""
        if warm.services is None:
            return
        thread = threading.Thread(target=warm.release_services, daemon=True)
        with self._lock:
            self._releasing = [t for t in self._releasing if t.is_alive()] + [thread]
        thread.start()

    def _discard(self, warm: Warm) -> None:
        try:
            self.engine.remove(warm.container)
        except InfrastructureError as exc:
            log.error("%s", exc)
        warm.release_services()
        warm.discard_folder()

    def close(self, wait_s: float = 30.0) -> None:
        """Remove every waiting sandbox; nothing is started after this.

        First waits (bounded) for the sandboxes being started: their threads are
        daemons, and one still starting when the process exits is left running.
        """
        deadline = time.monotonic() + wait_s
        with self._lock:
            self._closed = True
        while True:
            with self._lock:
                if not self._starting or time.monotonic() > deadline:
                    waiting = [w for queue in self._warm.values() for w in queue]
                    self._warm.clear()
                    break
            time.sleep(0.05)
        for warm in waiting:
            self._discard(warm)
        with self._lock:
            releasing = list(self._releasing)
        for thread in releasing:
            thread.join(max(deadline - time.monotonic(), 1.0))
