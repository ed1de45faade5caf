"""The trusted side of an isolated Python grading: the hidden tests never import the submission.

Loaded into the trusted pytest process (uid 10001, undumpable) before any test
module. ``import <a module of the submission>`` there gives a ``ProxyModule``
(grader_imports.py) whose functions, classes and objects are handles into a
candidate process (uid 10002) that PID 1 starts on request. Values cross by value (wire.py), so
every ``assert`` of a hidden test compares objects this process built, with
its own ``__eq__``. Outcomes are decided and reported here, where no
candidate code ever runs.

What crosses, and how the tests' usual tools keep working:
- candidate exceptions are raised here as local classes of the same name and
  bases (``pytest.raises(orders.NotFound)`` works); the candidate's traceback
  is attached as a note;
- dataclass instances are handles whose equality compares their fields by
  value; namedtuples arrive as local namedtuples; candidate classes are local
  classes whose construction, attributes and ``isinstance`` go to the owner;
- an ASGI application (FastAPI, Starlette) is driven over the wire:
  ``TestClient(create_app())`` runs its lifespan and requests in the candidate
  process and gets plain messages back;
- ``monkeypatch`` of a module (``hashlib.scrypt``), ``setenv``, ``chdir`` and
  ``syspath_prepend`` reach the candidate process too;
- a candidate process that dies is replaced for the next test; module-level
  names are looked up again in the new one.
"""

from __future__ import annotations

import collections
import contextlib
import os
import socket
import sys
import types
import warnings
from typing import Any

import _pytest.monkeypatch
import grader_audit
import grader_wire as wire

# pytest's "no value given" marker (renamed NOTSET in pytest 9; the image has pytest 8).
notset: Any = getattr(_pytest.monkeypatch, "notset", getattr(_pytest.monkeypatch, "NOTSET", None))
WORKDIR = "/work"
HIDDEN = WORKDIR + "/hidden"
REFUSED_REFERENCE_MODULES = frozenset({"antigravity", "this"})
RUNNER_MODULES = frozenset({"_pytest", "pytest", "pluggy", "py", "iniconfig", "candidate_host"})


# --------------------------------------------------------------------------- the candidate process


class CandidateLink:
    """The current candidate process: started through PID 1's control socket, replaced when
    it dies. ``generation`` counts processes, so handles into a dead one are recognised."""

    def __init__(self, control_fd: int, names: frozenset[str]) -> None:
        self.control = socket.socket(fileno=control_fd)
        self.names = names
        self.codec = TrustedCodec(self)
        self.conn: wire.Connection | None = None
        self.generation = 0
        self.pid: int | None = None
        self.patches: dict[tuple[int, str], tuple[Any, Any]] = {}  # -> (reference, target)
        self.base_paths = list(sys.path)

    def connection(self) -> wire.Connection:
        if self.conn is None or self.conn.closed:
            self._spawn()
        assert self.conn is not None
        return self.conn

    def _spawn(self) -> None:
        self.control.sendall(b"spawn\n")
        message, fds, _flags, _addr = socket.recv_fds(self.control, 64, 1)
        if not fds:
            raise wire.PeerGone("the sandbox refused to start a candidate process")
        self.pid = int(message.decode().split(":", 1)[1]) if message.startswith(b"pid:") else None
        self.generation += 1
        self.codec.reset()
        conn = wire.Connection(socket.socket(fileno=fds[0]), self.codec, TrustedPolicy())
        conn.generation = self.generation
        self.conn = conn
        for (_key, name), (reference, target) in list(self.patches.items()):
            self._send_patch(conn, reference, name, target)

    # ----------------------------------------------------------------- monkeypatch forwarding

    def forward_patch(self, target: Any, name: str) -> None:
        """Apply this process's current value of ``target.name`` in the candidate process."""
        reference = self.codec.reference(target)
        if reference is None or not _forwardable(str(reference.get("m"))):
            return
        self.patches[(id(target), name)] = (reference, target)
        if self.conn is not None and not self.conn.closed:
            self._send_patch(self.conn, reference, name, target)

    def _send_patch(self, conn: wire.Connection, reference: Any, name: str, target: Any) -> None:
        missing = not hasattr(target, name)
        value = None if missing else self.codec.encode(getattr(target, name), conn)
        try:
            conn.request("patch", target=reference, name=name, value=value, delete=missing)
        except KeyboardInterrupt:
            raise
        except BaseException:  # a candidate that refuses it (even by SystemExit) fails its tests
            pass


def _forwardable(module: str) -> bool:
    """Patches of the standard library and of installed packages reach the candidate; those
    of pytest itself, of this runner and of the tests' own modules do not."""
    top = module.split(".", 1)[0]
    if top in RUNNER_MODULES or top.startswith("grader_"):
        return False
    path = getattr(sys.modules.get(module), "__file__", None) or ""
    return top in sys.stdlib_module_names or "site-packages" in path


# --------------------------------------------------------------------------- trusted proxies


class TrustedProxy(wire.Proxy):
    """A handle to a candidate object. One found by a module-level name is looked up again
    by that name in a new candidate process, so one crash does not fail every later test."""

    __slots__ = ()

    def _g_request(self, op: str, **fields: Any) -> Any:
        __tracebackhide__ = True
        conn = self._g_conn
        link = conn.codec.link  # type: ignore[attr-defined]
        path = self._g_info.get("path")
        if self._g_generation != link.generation or conn.closed:
            if not path:
                raise wire.PeerGone(
                    f"this {self._g_info.get('type', 'object')} belonged to a candidate process "
                    "that has ended"
                )
            fresh = link.codec.lookup(path)
            if not isinstance(fresh, wire.Proxy):
                raise wire.PeerGone(f"{'.'.join(path)} is no longer an object of the candidate")
            for slot in ("_g_conn", "_g_id", "_g_generation"):
                object.__setattr__(self, slot, object.__getattribute__(fresh, slot))
            conn = self._g_conn
        return conn.request(op, h=self._g_id, **fields)


class RecordProxy(TrustedProxy):
    """A dataclass instance of the candidate: attributes are read from it, but equality
    compares field values copied here, never the candidate's ``__eq__``."""

    __slots__ = ()

    def _g_fields(self) -> tuple[Any, dict[str, Any]]:
        record = self._g_info["record"]
        return record["cls"], self._g_request("fields", names=record["fields"])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RecordProxy):
            return False
        if other._g_conn is self._g_conn and other._g_id == self._g_id:
            return True
        return self._g_fields() == other._g_fields()

    def __hash__(self) -> int:
        cls, values = self._g_fields()
        return hash((cls, tuple(sorted(values.items()))))

    def __repr__(self) -> str:
        try:
            _cls, values = self._g_fields()
        except Exception:
            return super().__repr__()
        inner = ", ".join(f"{k}={v!r}" for k, v in values.items())
        return f"{self._g_info.get('type', 'record')}({inner})"


class AsgiProxy(TrustedProxy):
    """An ASGI application of the candidate, driven over the wire: ``TestClient(app)``
    gets plain messages, and the app's lifespan and requests run in the candidate process."""

    __slots__ = ()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        kind = scope.get("type")
        if kind == "lifespan":
            while True:
                message = await receive()
                phase = str(message.get("type", "")).rsplit(".", 1)[-1]
                answer = self._g_request("asgi_lifespan", phase=phase)
                if answer.get("type") == "lifespan.error":
                    raise RuntimeError(
                        f"the application's lifespan failed: {answer.get('message')}"
                    )
                await send(answer)
                if phase == "shutdown":
                    return
        if kind != "http":
            raise NotImplementedError(f"ASGI {kind!r} is not supported across the isolation")
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"") or b""
            if not message.get("more_body"):
                break
        conn = self._g_conn
        plain = {k: v for k, v in scope.items() if k not in ("state", "app", "extensions")}
        messages = self._g_request(
            "asgi_http", scope=conn.codec.encode(plain, conn), body=conn.codec.encode(body, conn)
        )
        for message in messages:
            await send(message)


class RemoteClassMeta(type):
    """The metaclass of local stand-ins for the candidate's classes."""

    _g_handle: TrustedProxy

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        return cls._g_handle(*args, **kwargs)

    def __getattr__(cls, name: str) -> Any:
        __tracebackhide__ = True
        if name.startswith("_g_") or name.startswith("__"):
            raise AttributeError(name)
        return getattr(cls._g_handle, name)

    def __instancecheck__(cls, obj: Any) -> bool:
        if not isinstance(obj, wire.Proxy):
            return False
        return cls._g_handle._g_id in (obj._g_info.get("mro") or [])

    def __subclasscheck__(cls, other: Any) -> bool:
        return other is cls


# --------------------------------------------------------------------------- the codec


class TrustedCodec(wire.Codec):
    proxy_base = TrustedProxy

    def __init__(self, link: CandidateLink) -> None:
        self.link = link
        self._classes: dict[Any, type] = {}
        self._sent: dict[str, Any] = {}

    def reset(self) -> None:
        self._sent.clear()  # a new process has the default context: send it all again

    def encode(self, obj: Any, conn: wire.Connection) -> Any:
        if isinstance(obj, RemoteClassMeta):
            obj = obj._g_handle  # the candidate's own class goes back as itself
        return super().encode(obj, conn)

    def is_local_module(self, name: str) -> bool:  # type: ignore[override]
        if name.split(".", 1)[0] in self.link.names:
            return True
        path = getattr(sys.modules.get(name), "__file__", None) or ""
        return path.startswith(WORKDIR + "/")

    # ----------------------------------------------------------------- the calling context

    def context(self) -> dict[str, Any]:
        """What changed since the last request: environment, working directory, paths."""
        now = {
            # pytest's own variables name the running test: a forger could tell control tests
            "env": {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
            "cwd": os.getcwd(),
            "paths": [p for p in sys.path if p not in self.link.base_paths],
        }
        changed = {k: v for k, v in now.items() if self._sent.get(k) != v}
        self._sent.update(changed)
        return changed

    def after_reply(self, reply: dict[str, Any], conn: wire.Connection) -> None:
        grader_audit.WATCH.add(reply.get("audit"))
        out, err = reply.get("out"), reply.get("err")
        if isinstance(out, str) and out:
            sys.stdout.write(out)
        if isinstance(err, str) and err:
            sys.stderr.write(err)
        for entry in reply.get("warnings") or []:
            with contextlib.suppress(Exception):
                category = self.exception_class(entry.get("lineage"), conn)
                if not issubclass(category, Warning):
                    category = UserWarning
                warnings.warn_explicit(
                    str(entry.get("message")),
                    category,
                    str(entry.get("file")),
                    int(entry.get("line") or 0),
                )

    # ----------------------------------------------------------------- decoding

    def resolve_reference(self, data: dict[str, Any], conn: wire.Connection) -> Any:
        """Only a class may cross by name into this process, and only one whose equality is
        identity. A function of ours named by the candidate could be handed back to a test
        that calls it with arguments the candidate chose (``exec``), and an instance (such
        as ``unittest.mock.ANY``) may compare equal to anything."""
        found = super().resolve_reference(data, conn)
        if isinstance(found, type) and type(found).__eq__ is type.__eq__:
            return found
        raise wire.WireError(
            f"refused a reference to {data.get('m')}.{data.get('q')}: only classes cross by name"
        )

    def import_reference_module(self, name: str) -> Any:
        top = name.split(".", 1)[0]
        if self.is_local_module(name) or top in REFUSED_REFERENCE_MODULES:
            raise wire.WireError(f"refused a reference into module {name!r}")
        if name not in sys.modules and top not in sys.stdlib_module_names:
            raise wire.WireError(f"refused a reference into module {name!r}, not loaded here")
        return super().import_reference_module(name)

    def make_proxy(self, data: dict[str, Any], conn: wire.Connection) -> Any:
        caps = frozenset(c for c in data.get("caps") or [] if c in wire.CAPS)
        if "exception" in data:
            return self.exception_class(data["exception"], conn)
        base: type = TrustedProxy
        if data.get("record"):
            base = RecordProxy
        elif data.get("asgi"):
            base, caps = AsgiProxy, caps - {"call"}
        proxy = wire.proxy_class(base, caps)(conn, int(data["id"]), data)
        if "class" in data:
            return self.local_class(proxy, data)
        return proxy

    def local_class(self, handle: TrustedProxy, data: dict[str, Any]) -> type:
        """One local class per candidate class name, kept across candidate processes so that
        a test module's ``from orders import Order`` stays valid after a crash."""
        module, qualname = str(data.get("module")), str(data.get("qualname"))
        key = (module, qualname)
        known = self._classes.get(key)
        if known is not None and isinstance(known, RemoteClassMeta):
            if known._g_handle._g_generation != handle._g_generation:
                type.__setattr__(known, "_g_handle", handle)
            return known
        if "<" not in qualname:
            handle._g_info.setdefault("path", [module, *qualname.split(".")])
        namespace = {"__module__": module, "__qualname__": qualname, "_g_handle": handle}
        self._classes[key] = RemoteClassMeta(str(data.get("class")), (), namespace)
        return self._classes[key]

    def exception_class(self, lineage: Any, conn: wire.Connection) -> type:
        """A local exception class standing for a candidate one, with the same bases."""
        base: type = Exception
        entries = lineage if isinstance(lineage, list) else []
        if entries and isinstance(entries[-1], dict) and entries[-1].get("$") == "ref":
            try:
                found = self.resolve_reference(entries[-1], conn)
                if isinstance(found, type) and issubclass(found, BaseException):
                    base = found
            except Exception:
                pass
            entries = entries[:-1]
        if issubclass(base, (KeyboardInterrupt, GeneratorExit)) or base is BaseException:
            base = Exception  # never let candidate code stop the trusted process
        for entry in reversed(entries):
            number = (str(entry.get("module")), str(entry.get("qualname")))
            if number not in self._classes:
                self._classes[number] = type(
                    str(entry.get("name", "CandidateError")),
                    (base,),
                    {
                        "__module__": str(entry.get("module")),
                        "__qualname__": str(entry.get("qualname")),
                        "__str__": _remote_str,
                    },
                )
            base = self._classes[number]
        return base

    def decode_error(self, data: Any, conn: wire.Connection) -> BaseException:
        if not isinstance(data, dict):
            return wire.WireError("an error of unknown shape from the candidate process")
        kind = self.exception_class(data.get("lineage"), conn)
        try:
            args = [self.decode(a, conn) for a in data.get("args") or []]
        except wire.WireError:
            args = [str(data.get("str", ""))]
        try:
            exc = kind(*args)
        except Exception:
            exc = kind.__new__(kind)
            exc.args = tuple(args)
        attrs = data.get("attrs") if isinstance(data.get("attrs"), dict) else {}
        for name, value in attrs.items():
            try:
                setattr(exc, str(name), self.decode(value, conn))
            except Exception:
                continue
        exc._g_str = str(data.get("str", ""))  # type: ignore[attr-defined]
        tb = data.get("tb")
        if isinstance(tb, str) and tb and kind is not StopIteration:
            exc.add_note("in the candidate process:\n" + tb.rstrip())
        return exc

    def decode_namedtuple(self, data: dict[str, Any], conn: wire.Connection) -> Any:
        number = (str(data.get("name")), tuple(data.get("fields") or []))
        if number not in self._classes:
            fields = [str(f) for f in data.get("fields") or []]
            self._classes[number] = collections.namedtuple(  # type: ignore[misc]
                str(data.get("name", "Record")), fields, rename=True
            )
        return self._classes[number](*[self.decode(x, conn) for x in data.get("v") or []])

    # ----------------------------------------------------------------- module-level names

    def lookup(self, path: list[str]) -> Any:
        module = self.link.connection().request("import", name=path[0])
        value = module["module"]
        for part in path[1:]:
            value = getattr(value, part)
        return value


def _remote_str(self: BaseException) -> str:
    return getattr(self, "_g_str", None) or BaseException.__str__(self)


class TrustedPolicy(wire.Policy):
    """What the candidate may do to this side's objects: public attributes only, and it may
    change the state of library objects (``conn.row_factory``) but not of the tests' own."""

    trusted = True

    def attribute_allowed(self, name: str) -> bool:
        return not name.startswith("_")

    def _target(self, conn: wire.Connection, message: dict[str, Any]) -> Any:
        target = super()._target(conn, message)
        refusal = _refusal(target, message)
        if refusal:
            raise PermissionError(refusal)
        return target

    def _writable(self, target: Any) -> None:
        module = getattr(type(target), "__module__", "") or ""
        path = getattr(sys.modules.get(module), "__file__", None) or ""
        if path.startswith(WORKDIR + "/"):
            raise PermissionError("objects of the hidden tests are read-only to the candidate")

    def op_setattr(self, conn: wire.Connection, message: dict[str, Any]) -> None:
        self._writable(self._target(conn, message))
        super().op_setattr(conn, message)

    def op_delattr(self, conn: wire.Connection, message: dict[str, Any]) -> None:
        self._writable(self._target(conn, message))
        super().op_delattr(conn, message)

    def op_setitem(self, conn: wire.Connection, message: dict[str, Any]) -> None:
        self._writable(self._target(conn, message))
        super().op_setitem(conn, message)


# Objects that would lead the candidate into this process's execution: a generator's frame
# climbs to pytest's, a frame's locals hold the test item and session.
INTERPRETER_TYPES = (types.FrameType, types.TracebackType, types.CodeType)
SUSPENDED_TYPES = (types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType)
SUSPENDED_METHODS = frozenset({"send", "throw", "close", "asend", "athrow", "aclose"})


def _refusal(target: Any, message: dict[str, Any]) -> str | None:
    """Why the candidate may not touch ``target`` with this operation, or None."""
    if isinstance(target, INTERPRETER_TYPES):
        return "frames, tracebacks and code of the tests' process are not available"
    if (
        isinstance(target, SUSPENDED_TYPES)
        and message.get("op") in ("getattr", "setattr", "delattr")
        and message.get("name") not in SUSPENDED_METHODS
    ):
        return "only send, throw and close of the tests' generators are available"
    module = str(getattr(type(target), "__module__", "") or "")
    if module.split(".", 1)[0] in RUNNER_MODULES or module.startswith("grader_"):
        return "the test runner's objects are not available to the candidate"
    return None
