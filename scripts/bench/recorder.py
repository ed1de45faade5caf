"""The sandbox stage's Docker calls, timed from outside the grader.

The bench wraps the Docker client of an in-process Engine (``TimedClient``):
each container call is recorded with the thread that made it, so that the
grading's own critical path is told apart from the warm pool's refills and
background removals. Nothing in the grader changes.
"""

from __future__ import annotations

import threading
import time
from typing import Any

# The sandbox stage's Docker calls on the grading's critical path. With a warm pool, create and
# start happen beforehand in the background (and are 0 here) and take_check is the pool's
# is-it-running check; run is from the tree being sent to the container's exit as the engine
# reports it (the wait, asked ahead, returns with the stream's end; wait is then 0).
SPLIT = ("take_check", "create", "start", "attach", "run", "wait", "reload", "remove")


class CallRecorder:
    """Docker calls as they happen, by thread: the grading's own thread is its critical path;
    the warm pool's refills and background removals run in other threads."""

    def __init__(self) -> None:
        self.events: list[tuple[str, float, float]] = []
        self.background: dict[str, list[float]] = {}
        self.owner = threading.get_ident()
        self._lock = threading.Lock()

    def record(self, name: str, started: float, ended: float) -> None:
        with self._lock:
            if threading.get_ident() == self.owner:
                self.events.append((name, started, ended))
            elif name == "wait":
                # The engine's exit watch (grader.engine.client.ExitWatch), asked from a
                # thread of the grading's own as the tree is sent: nothing else waits.
                self.events.append(("wait_ahead", started, ended))
            else:
                self.background.setdefault(name, []).append(ended - started)

    def reset(self) -> None:
        with self._lock:
            self.events.clear()
            self.owner = threading.get_ident()

    def split(self) -> dict[str, float]:
        """The grading thread's Docker calls: see SPLIT."""
        with self._lock:
            events = list(self.events)
        out = dict.fromkeys(SPLIT, 0.0)
        attach = next((e for e in events if e[0] == "attach_socket"), None)
        wait = next((e for e in events if e[0] == "wait"), None)
        ahead = next((e for e in events if e[0] == "wait_ahead"), None)
        for name, started, ended in events:
            if name == "reload":
                # before the attach: the pool's is-it-still-running check; after: final state
                key = "take_check" if attach is None or started < attach[1] else "reload"
            elif name == "attach_socket":
                key = "attach"
            else:
                key = name
            if key in out and key != "run":
                out[key] += ended - started
        begin = max((e[2] for e in events if e[0] in ("attach_socket", "start")), default=0.0)
        if attach and ahead:  # the exit, asked for as the tree was sent, ends the run
            out["run"] = ahead[2] - begin
        elif attach and wait:
            out["run"] = wait[1] - begin
        out["warm"] = 0.0 if any(e[0] == "create" for e in events) else 1.0
        return out


class _TimedContainer:
    TIMED = frozenset({"attach_socket", "start", "wait", "reload", "remove", "kill"})

    def __init__(self, inner: Any, recorder: CallRecorder) -> None:
        self._inner = inner
        self._recorder = recorder

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name not in self.TIMED or not callable(attr):
            return attr

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return attr(*args, **kwargs)
            finally:
                self._recorder.record(name, started, time.perf_counter())

        return timed


class _TimedContainers:
    def __init__(self, inner: Any, recorder: CallRecorder) -> None:
        self._inner = inner
        self._recorder = recorder

    def create(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        container = self._inner.create(*args, **kwargs)
        self._recorder.record("create", started, time.perf_counter())
        return _TimedContainer(container, self._recorder)

    def prepare_model(self, attrs: Any) -> Any:
        """The engine creates with the low-level API, then makes the model from the id."""
        return _TimedContainer(self._inner.prepare_model(attrs), self._recorder)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _TimedApi:
    def __init__(self, inner: Any, recorder: CallRecorder) -> None:
        self._inner = inner
        self._recorder = recorder

    def create_container(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self._inner.create_container(*args, **kwargs)
        finally:
            self._recorder.record("create", started, time.perf_counter())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class TimedClient:
    def __init__(self, inner: Any, recorder: CallRecorder) -> None:
        self._inner = inner
        self.containers = _TimedContainers(inner.containers, recorder)
        self.api = _TimedApi(inner.api, recorder)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
