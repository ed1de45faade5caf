"""The candidate process of an isolated Python grading: the submission's code runs here.

Started by the sandbox's PID 1 under the candidate's uid (10002), never by the
trusted test process, with one socket to the trusted side as its only link.
It cannot read the hidden suite (owned by the grader's uid), cannot ptrace or
signal the trusted process (another uid, undumpable), and holds no results
channel: whatever it does, it can only answer the requests it is sent.

It imports the submission's modules on request and serves operations on its
objects. Everything here is untrusted once the first candidate module is
imported; nothing the trusted side decides depends on this process's honesty,
only on the plain values it sends back.

PID 1 may start it before the submission arrives (supervise_prestart.py): it
then imports only its own modules and the challenge's installed packages
(grader_preload.py) and waits for its first request, which can only come once
the tree is extracted and the test process asks for it.
"""

from __future__ import annotations

import importlib
import inspect
import io
import os
import socket
import sys
import threading
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import contextlib

import grader_audit
import grader_preload
import grader_wire as wire

WORKDIR = "/work"
OUTPUT_LIMIT = 1 << 20


class ForwardedOutput(io.TextIOBase):
    """sys.stdout / sys.stderr: text goes back to the trusted side with the next reply,
    where pytest's capture (capsys, the report's log) sees it as the test's output."""

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.size = 0
        self.dropped = 0
        self.lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        text = str(text)
        with self.lock:
            room = OUTPUT_LIMIT - self.size
            if room <= 0:
                self.dropped += len(text)
            else:
                self.chunks.append(text[:room])
                self.size += min(len(text), room)
                self.dropped += max(len(text) - room, 0)
        return len(text)

    def take(self) -> str:
        with self.lock:
            text = "".join(self.chunks)
            if self.dropped:
                text += f"\n[{self.dropped} characters of output cut]\n"
            self.chunks, self.size, self.dropped = [], 0, 0
            return text


class CandidateCodec(wire.Codec):
    def __init__(
        self, out: ForwardedOutput, err: ForwardedOutput, preloaded: set[str] | None = None
    ) -> None:
        self.out, self.err = out, err
        self.preloaded = preloaded or set()
        self.extra_paths: list[str] = []
        self.first_request = True
        self.warnings: list[tuple[type, str, str, int]] = []

    def collect_warning(
        self,
        message: Any,
        category: type,
        filename: str,
        lineno: int,
        file: Any = None,
        line: Any = None,
    ) -> None:
        """Warnings go back with the reply and are issued again on the trusted side, where
        ``pytest.warns`` and the warnings summary see them."""
        if len(self.warnings) < 100:
            self.warnings.append((category, str(message), str(filename), int(lineno)))

    def reference(self, obj: Any) -> dict[str, Any] | None:
        """Classes go by name (the trusted side accepts nothing else by name); functions and
        modules of ours stay here, as handles whose calls run in this process."""
        return super().reference(obj) if isinstance(obj, type) else None

    @staticmethod
    def is_local_module(name: str) -> bool:  # type: ignore[override]
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None) or ""
        return module is None or path.startswith(WORKDIR + "/") or (not path and name == "__main__")

    def export(self, obj: Any, conn: wire.Connection) -> dict[str, Any]:
        info = super().export(obj, conn)
        kind = type(obj)
        info["mro"] = [conn.table.add(k) for k in kind.__mro__ if k.__module__ != "builtins"]
        if not isinstance(obj, type) and callable(obj) and _is_async(obj):
            info["asgi"] = True
        if isinstance(obj, type(sys)):
            info["file"] = getattr(obj, "__file__", None)
        return info

    def before_request(self, message: dict[str, Any]) -> None:
        """Take on the trusted side's environment, working directory and import path, so
        that ``monkeypatch.setenv``, ``chdir`` and ``syspath_prepend`` reach this process."""
        if self.first_request:
            # A pre-started process may have listed /work before the tree was extracted,
            # and preloaded a package the submission shadows.
            self.first_request = False
            importlib.invalidate_caches()
            grader_preload.forget_if_shadowed(self.preloaded, WORKDIR)
        env = message.get("env")
        if isinstance(env, dict):
            os.environ.clear()
            os.environ.update({str(k): str(v) for k, v in env.items()})
        cwd = message.get("cwd")
        if isinstance(cwd, str):
            with contextlib.suppress(OSError):
                os.chdir(cwd)
        paths = message.get("paths")
        if isinstance(paths, list):
            for old in self.extra_paths:
                while old in sys.path:
                    sys.path.remove(old)
            self.extra_paths = [str(p) for p in paths]
            sys.path[0:0] = self.extra_paths
            importlib.invalidate_caches()

    def reply_extras(self, conn: wire.Connection) -> dict[str, Any]:
        extras: dict[str, Any] = {}
        if self.warnings:
            extras["warnings"] = [
                {"lineage": self.exception_lineage(c, conn), "message": m, "file": f, "line": n}
                for c, m, f, n in self.warnings
            ]
            self.warnings = []
        notes = grader_audit.WATCH.take()
        if notes:
            extras["audit"] = notes
        out, err = self.out.take(), self.err.take()
        if out:
            extras["out"] = out
        if err:
            extras["err"] = err
        return extras

    def decode_error(self, data: Any, conn: wire.Connection) -> BaseException:
        """An exception raised by the trusted side's code, as the class of that name here."""
        if isinstance(data, dict):
            for entry in data.get("lineage") or []:
                if isinstance(entry, dict) and entry.get("$") == "ref":
                    try:
                        kind = self.resolve_reference(entry, conn)
                        args = [self.decode(a, conn) for a in data.get("args") or []]
                        if isinstance(kind, type) and issubclass(kind, BaseException):
                            return kind(*args)
                    except Exception:
                        break
        return super().decode_error(data, conn)


def _is_async(obj: Any) -> bool:
    if inspect.iscoroutinefunction(obj):
        return True
    call = vars(type(obj)).get("__call__") or getattr(type(obj), "__call__", None)  # noqa: B004
    return call is not None and inspect.iscoroutinefunction(call)


class AsgiRunner:
    """Runs one ASGI application on an event loop of its own, in a thread, so that its
    lifespan (started once) and its requests (one at a time) share that loop's state."""

    def __init__(self, app: Any) -> None:
        # asyncio is imported by the first ASGI application only: ~30 ms (it brings ssl)
        # of every candidate process's start otherwise, and an ASGI submission has it loaded.
        global asyncio
        import asyncio

        self.app = app
        self.loop = asyncio.new_event_loop()
        self.state: dict[str, Any] = {}
        self.lifespan: asyncio.Queue[dict[str, Any]] | None = None
        self.lifespan_events: asyncio.Queue[dict[str, Any]] | None = None
        threading.Thread(target=self.loop.run_forever, daemon=True, name="asgi").start()

    def run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    async def _lifespan(self, phase: str) -> dict[str, Any]:
        if self.lifespan is None:
            self.lifespan, self.lifespan_events = asyncio.Queue(), asyncio.Queue()
            scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": self.state}
            inbox, events = self.lifespan, self.lifespan_events

            async def run_app() -> None:
                try:
                    await self.app(scope, inbox.get, events.put)
                except BaseException as exc:  # the app does not do lifespan, or failed
                    await events.put({"type": "lifespan.error", "message": repr(exc)})

            self.loop.create_task(run_app())
        assert self.lifespan is not None and self.lifespan_events is not None
        await self.lifespan.put({"type": f"lifespan.{phase}"})
        return await self.lifespan_events.get()

    def lifespan_phase(self, phase: str) -> dict[str, Any]:
        return dict(self.run(self._lifespan(phase)))

    async def _http(self, scope: dict[str, Any], body: bytes) -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []
        delivered = False

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # a disconnect never comes in a test
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(dict(message))

        await self.app(scope, receive, send)
        return sent

    def http(self, scope: dict[str, Any], body: bytes) -> list[dict[str, Any]]:
        scope = dict(scope)
        scope["state"] = dict(self.state)
        scope["headers"] = [tuple(pair) for pair in scope.get("headers") or []]
        scope.pop("extensions", None)  # no debug extension: its messages carry objects
        for key in ("client", "server"):
            if isinstance(scope.get(key), list):
                scope[key] = tuple(scope[key])
        return self.run(self._http(scope, body))


class CandidatePolicy(wire.Policy):
    """Everything is allowed on this side's objects: they are the candidate's own."""

    def __init__(self) -> None:
        self.asgi: dict[int, AsgiRunner] = {}

    def op_import(self, conn: wire.Connection, message: dict[str, Any]) -> Any:
        module = importlib.import_module(str(message.get("name")))
        names = {
            name: value
            for name, value in vars(module).items()
            if isinstance(name, str) and not name.startswith("__")
        }
        return {
            "module": module,
            "file": getattr(module, "__file__", None),
            "package": hasattr(module, "__path__"),
            "names": names,
        }

    def op_patch(self, conn: wire.Connection, message: dict[str, Any]) -> None:
        target = conn.codec.decode(message.get("target"), conn)
        name = self._name(message)
        if message.get("delete"):
            if hasattr(target, name):
                delattr(target, name)
        else:
            setattr(target, name, conn.codec.decode(message.get("value"), conn))

    def op_fields(self, conn: wire.Connection, message: dict[str, Any]) -> Any:
        target = self._target(conn, message)
        names = message.get("names") or []
        return {str(n): getattr(target, str(n)) for n in names}

    def _runner(self, conn: wire.Connection, message: dict[str, Any]) -> AsgiRunner:
        number = message.get("h")
        if number not in self.asgi:
            self.asgi[number] = AsgiRunner(self._target(conn, message))  # type: ignore[index]
        return self.asgi[number]  # type: ignore[index]

    def op_asgi_lifespan(self, conn: wire.Connection, message: dict[str, Any]) -> Any:
        return self._runner(conn, message).lifespan_phase(str(message.get("phase")))

    def op_asgi_http(self, conn: wire.Connection, message: dict[str, Any]) -> Any:
        scope = conn.codec.decode(message.get("scope"), conn)
        body = conn.codec.decode(message.get("body"), conn)
        return self._runner(conn, message).http(scope, bytes(body))


def main() -> int:
    # Pre-started: the challenge's installed packages, before the submission exists.
    preloaded = grader_preload.preload() if "--prestarted" in sys.argv[2:] else set()
    grader_audit.WATCH.install()  # before the first line of the submission runs
    sock = socket.socket(fileno=int(sys.argv[1]))
    os.umask(0)  # files it makes in shared temporary folders stay usable by the tests
    os.chdir(WORKDIR)
    sys.path.insert(0, WORKDIR)
    out, err = ForwardedOutput(), ForwardedOutput()
    sys.stdout, sys.stderr = out, err  # type: ignore[assignment]
    codec = CandidateCodec(out, err, preloaded)
    warnings.simplefilter("always")  # the trusted side's filters decide what is shown
    warnings.showwarning = codec.collect_warning
    conn = wire.Connection(sock, codec, CandidatePolicy())
    try:
        conn.serve_forever()
    finally:
        os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
