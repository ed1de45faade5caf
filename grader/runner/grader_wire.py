"""The wire between the trusted test process and the candidate process.

Both sides of an isolated Python grading import this module: the trusted
side (pytest, the hidden tests, the results writer) and the candidate side
(the submission's code, in another process under another uid). It guarantees:

- Values cross **by value** as plain data, encoded as JSON: None, bool, int,
  float, str, bytes, list, tuple, dict, set, frozenset and a few stdlib value
  types (Decimal, Fraction, complex, date/time, UUID, paths, range). What the
  receiver decodes is always a fresh object of an exact builtin or stdlib
  type, so an ``__eq__`` the candidate wrote never runs on the trusted side.
  Nothing is pickled, nothing received is executed.
- Anything else crosses as a **handle**: the receiver gets a ``Proxy`` whose
  operations are requests to the owner. A handle sent back to its owner
  decodes to the original object, so identity survives a round trip.
- Functions, classes and modules that live outside the submission (stdlib,
  site-packages) cross as **references** by module and qualified name, and
  decode to the receiver's own object of that name, never to a proxy.

The ``Connection`` is a symmetric request/reply channel over one socket: a
thread waiting for its reply reads the socket and serves whatever requests
arrive meanwhile (callbacks), so calls can nest in both directions.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import decimal
import enum
import fractions
import itertools
import json
import pathlib
import socket
import struct
import sys
import threading
import traceback
import uuid
from collections.abc import Callable
from typing import Any

MAX_MESSAGE = 256 << 20
_LENGTH = struct.Struct(">I")
CAPS = ("call", "iter", "next", "len", "getitem", "contains", "enter")
_DUNDER_FOR_CAP = {
    "call": "__call__",
    "iter": "__iter__",
    "next": "__next__",
    "len": "__len__",
    "getitem": "__getitem__",
    "contains": "__contains__",
    "enter": "__enter__",
}


class WireError(Exception):
    """The other side broke the protocol, or went away."""


class PeerGone(WireError):
    """The other process ended (crashed, exited, was killed)."""


class RemoteError(Exception):
    """An exception raised on the other side that could not be rebuilt locally."""


# --------------------------------------------------------------------------- framing


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise PeerGone("the other process closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def send_message(sock: socket.socket, message: Any) -> None:
    data = json.dumps(message, separators=(",", ":")).encode()
    sock.sendall(_LENGTH.pack(len(data)) + data)


def recv_message(sock: socket.socket) -> Any:
    (size,) = _LENGTH.unpack(_recv_exactly(sock, _LENGTH.size))
    if size > MAX_MESSAGE:
        raise WireError(f"a message of {size} bytes is over the limit")
    try:
        return json.loads(_recv_exactly(sock, size))
    except (ValueError, RecursionError) as exc:
        raise WireError(f"a message that is not valid JSON: {exc}") from exc


# --------------------------------------------------------------------------- the object table


class Table:
    """Objects of this side that the other side holds handles to, by number."""

    def __init__(self) -> None:
        self._by_id: dict[int, Any] = {}
        self._ids: dict[int, int] = {}  # id(obj) -> number; objects are kept alive by _by_id
        self._next = itertools.count(1)

    def add(self, obj: Any) -> int:
        number = self._ids.get(id(obj))
        if number is None:
            number = next(self._next)
            self._ids[id(obj)] = number
            self._by_id[number] = obj
        return number

    def get(self, number: Any) -> Any:
        if not isinstance(number, int) or number not in self._by_id:
            raise WireError(f"no object {number!r} was handed out")
        return self._by_id[number]


# --------------------------------------------------------------------------- the connection


class Connection:
    """One end of the wire: a table of exported objects and a request/reply loop.

    ``policy`` decides what the other side may do to this side's objects
    (the trusted side allows public attributes only). ``codec`` turns values
    into wire data and back; it is given the connection so that it can make
    proxies and export objects.
    """

    def __init__(self, sock: socket.socket, codec: Codec, policy: Policy) -> None:
        self.sock = sock
        self.codec = codec
        self.policy = policy
        self.table = Table()
        self.generation = 0
        self._ids = itertools.count(1)
        self._cond = threading.Condition(threading.RLock())
        self._reading = False
        self._replies: dict[int, Any] = {}
        self._outstanding: set[int] = set()
        self._send_lock = threading.Lock()
        self.closed = False

    # ----------------------------------------------------------------- sending and waiting

    def _send(self, message: Any) -> None:
        with self._send_lock:
            try:
                send_message(self.sock, message)
            except OSError as exc:
                self.closed = True
                raise PeerGone(f"the other process is gone ({exc})") from exc

    def request(self, op: str, **fields: Any) -> Any:
        """Send one request and serve the other side until its reply arrives."""
        __tracebackhide__ = True
        if self.closed:
            raise PeerGone("the other process has ended")
        number = next(self._ids)
        with self._cond:
            self._outstanding.add(number)
        try:
            self._send({"op": op, "id": number, **self.codec.context(), **fields})
            reply = self._wait(number)
        finally:
            with self._cond:
                self._outstanding.discard(number)
        self.codec.after_reply(reply, self)
        if "err" in reply:
            raise self.codec.decode_error(reply["err"], self)
        return self.codec.decode(reply.get("ok"), self)

    def serve_forever(self) -> None:
        """Serve requests until the other side closes (the candidate process's main loop)."""
        self._wait(None)

    def _wait(self, number: int | None) -> Any:
        while True:
            with self._cond:
                while number not in self._replies and self._reading:
                    self._cond.wait()
                if number in self._replies:
                    return self._replies.pop(number)
                self._reading = True
            try:
                message = recv_message(self.sock)
            except (WireError, OSError) as exc:
                with self._cond:
                    self._reading = False
                    self.closed = True
                    self._cond.notify_all()
                if number is None and isinstance(exc, PeerGone):
                    return None
                raise exc if isinstance(exc, WireError) else PeerGone(str(exc)) from exc
            with self._cond:
                self._reading = False
                if isinstance(message, dict) and "re" in message:
                    if message["re"] not in self._outstanding or message["re"] in self._replies:
                        # a reply nobody asked for: the other side is not following the
                        # protocol, and nothing more it says can be taken as an answer
                        self.closed = True
                        self._cond.notify_all()
                        raise WireError("a reply to a request that was not made")
                    self._replies[message["re"]] = message
                    self._cond.notify_all()
                    continue
                self._cond.notify_all()
            self._serve_one(message)

    def _serve_one(self, message: Any) -> None:
        if not isinstance(message, dict) or not isinstance(message.get("id"), int):
            raise WireError("a request without an id")
        try:
            self.codec.before_request(message)
            result = self.policy.perform(self, message)
            reply = {"re": message["id"], "ok": self.codec.encode(result, self)}
        except BaseException as exc:  # every failure goes back to the caller as data
            if isinstance(exc, (KeyboardInterrupt,)) and self.policy.trusted:
                raise
            reply = {"re": message["id"], "err": self.codec.encode_error(exc, self)}
        reply.update(self.codec.reply_extras(self))
        self._send(reply)


# --------------------------------------------------------------------------- proxies


class Proxy:
    """A handle to an object of the other side; every use is a request."""

    __slots__ = ("__weakref__", "_g_conn", "_g_generation", "_g_id", "_g_info")

    def __init__(self, conn: Connection, number: int, info: dict[str, Any]) -> None:
        object.__setattr__(self, "_g_conn", conn)
        object.__setattr__(self, "_g_id", number)
        object.__setattr__(self, "_g_generation", conn.generation)
        object.__setattr__(self, "_g_info", info)

    def _g_request(self, op: str, **fields: Any) -> Any:
        __tracebackhide__ = True
        conn = self._g_conn
        if self._g_generation != conn.generation:
            raise PeerGone(
                f"this {self._g_info.get('type', 'object')} belonged to a candidate process "
                "that has ended"
            )
        return conn.request(op, h=self._g_id, **fields)

    def __getattr__(self, name: str) -> Any:
        __tracebackhide__ = True
        if name.startswith("_g_"):
            raise AttributeError(name)
        return self._g_request("getattr", name=name)

    def __setattr__(self, name: str, value: Any) -> None:
        __tracebackhide__ = True
        self._g_request("setattr", name=name, value=self._g_conn.codec.encode(value, self._g_conn))

    def __delattr__(self, name: str) -> None:
        __tracebackhide__ = True
        self._g_request("delattr", name=name)

    def __repr__(self) -> str:
        info = self._g_info
        return f"<{info.get('type', 'object')} of the candidate's code, #{self._g_id}>"

    def __eq__(self, other: object) -> bool:
        # Equality of two handles to the same object needs no code of theirs; anything
        # else would have to ask their __eq__, whose answer cannot be trusted.
        same = isinstance(other, Proxy) and other._g_conn is self._g_conn
        if same and other._g_id == self._g_id:  # type: ignore[union-attr]
            return True
        raise TypeError(
            f"cannot compare {self!r} with {type(other).__name__}: comparing an object of the "
            "candidate's code would run their __eq__; compare its attributes or plain values"
        )

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash((id(self._g_conn), self._g_id))

    def __bool__(self) -> bool:
        __tracebackhide__ = True
        return bool(self._g_request("bool"))

    def __str__(self) -> str:
        __tracebackhide__ = True
        return str(self._g_request("str"))


class _CallMixin:
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        conn = self._g_conn  # type: ignore[attr-defined]
        codec = conn.codec
        return self._g_request(  # type: ignore[attr-defined]
            "call",
            args=[codec.encode(a, conn) for a in args],
            kwargs={k: codec.encode(v, conn) for k, v in kwargs.items()},
        )


class _IterMixin:
    def __iter__(self) -> Any:
        __tracebackhide__ = True
        return self._g_request("iter")  # type: ignore[attr-defined]


class _NextMixin:
    def __next__(self) -> Any:
        __tracebackhide__ = True
        return self._g_request("next")  # type: ignore[attr-defined]


class _LenMixin:
    def __len__(self) -> int:
        __tracebackhide__ = True
        return int(self._g_request("len"))  # type: ignore[attr-defined]


class _GetItemMixin:
    def __getitem__(self, key: Any) -> Any:
        __tracebackhide__ = True
        conn = self._g_conn  # type: ignore[attr-defined]
        return self._g_request("getitem", key=conn.codec.encode(key, conn))  # type: ignore[attr-defined]

    def __setitem__(self, key: Any, value: Any) -> None:
        __tracebackhide__ = True
        conn = self._g_conn  # type: ignore[attr-defined]
        self._g_request(  # type: ignore[attr-defined]
            "setitem", key=conn.codec.encode(key, conn), value=conn.codec.encode(value, conn)
        )


class _ContainsMixin:
    def __contains__(self, item: Any) -> bool:
        __tracebackhide__ = True
        conn = self._g_conn  # type: ignore[attr-defined]
        return bool(self._g_request("contains", item=conn.codec.encode(item, conn)))  # type: ignore[attr-defined]


class _EnterMixin:
    def __enter__(self) -> Any:
        __tracebackhide__ = True
        return self._g_request("enter")  # type: ignore[attr-defined]

    def __exit__(self, *exc_info: Any) -> bool:
        __tracebackhide__ = True
        conn = self._g_conn  # type: ignore[attr-defined]
        error = None if exc_info[1] is None else conn.codec.encode_error(exc_info[1], conn)
        return bool(self._g_request("exit", error=error))  # type: ignore[attr-defined]


_MIXINS = {
    "call": _CallMixin,
    "iter": _IterMixin,
    "next": _NextMixin,
    "len": _LenMixin,
    "getitem": _GetItemMixin,
    "contains": _ContainsMixin,
    "enter": _EnterMixin,
}
_PROXY_CLASSES: dict[tuple[type, frozenset[str]], type] = {}


def proxy_class(base: type, caps: frozenset[str]) -> type:
    """A Proxy subclass with exactly the protocol methods the remote object has, so that
    ``callable()``, ``iter()`` and ``len()`` answer as they would for the real object."""
    key = (base, caps)
    if key not in _PROXY_CLASSES:
        bases = (*tuple(_MIXINS[c] for c in CAPS if c in caps), base)
        _PROXY_CLASSES[key] = type(base.__name__, bases, {"__slots__": ()})
    return _PROXY_CLASSES[key]


def capabilities(obj: Any) -> list[str]:
    kind = type(obj)
    return [cap for cap in CAPS if hasattr(kind, _DUNDER_FOR_CAP[cap])]


# --------------------------------------------------------------------------- the codec


class Policy:
    """What this side lets the other side do to its objects."""

    trusted = False

    def attribute_allowed(self, name: str) -> bool:
        return True

    def perform(self, conn: Connection, message: dict[str, Any]) -> Any:
        op = message.get("op")
        handler = getattr(self, f"op_{op}", None)
        if handler is None:
            raise WireError(f"unknown operation {op!r}")
        return handler(conn, message)

    def _target(self, conn: Connection, message: dict[str, Any]) -> Any:
        return conn.table.get(message.get("h"))

    def _name(self, message: dict[str, Any]) -> str:
        name = message.get("name")
        if not isinstance(name, str) or not self.attribute_allowed(name):
            raise AttributeError(f"attribute {name!r} is not available across the wire")
        return name

    def op_getattr(self, conn: Connection, message: dict[str, Any]) -> Any:
        return getattr(self._target(conn, message), self._name(message))

    def op_setattr(self, conn: Connection, message: dict[str, Any]) -> None:
        value = conn.codec.decode(message.get("value"), conn)
        setattr(self._target(conn, message), self._name(message), value)

    def op_delattr(self, conn: Connection, message: dict[str, Any]) -> None:
        delattr(self._target(conn, message), self._name(message))

    def op_call(self, conn: Connection, message: dict[str, Any]) -> Any:
        args = [conn.codec.decode(a, conn) for a in message.get("args") or []]
        kwargs = message.get("kwargs") or {}
        if not isinstance(kwargs, dict):
            raise WireError("keyword arguments must be an object")
        target = self._target(conn, message)
        return target(*args, **{str(k): conn.codec.decode(v, conn) for k, v in kwargs.items()})

    def op_iter(self, conn: Connection, message: dict[str, Any]) -> Any:
        return iter(self._target(conn, message))

    def op_next(self, conn: Connection, message: dict[str, Any]) -> Any:
        return next(self._target(conn, message))

    def op_len(self, conn: Connection, message: dict[str, Any]) -> int:
        return len(self._target(conn, message))

    def op_bool(self, conn: Connection, message: dict[str, Any]) -> bool:
        return bool(self._target(conn, message))

    def op_str(self, conn: Connection, message: dict[str, Any]) -> str:
        return str(self._target(conn, message))

    def op_getitem(self, conn: Connection, message: dict[str, Any]) -> Any:
        return self._target(conn, message)[conn.codec.decode(message.get("key"), conn)]

    def op_setitem(self, conn: Connection, message: dict[str, Any]) -> None:
        target = self._target(conn, message)
        target[conn.codec.decode(message.get("key"), conn)] = conn.codec.decode(
            message.get("value"), conn
        )

    def op_contains(self, conn: Connection, message: dict[str, Any]) -> bool:
        return conn.codec.decode(message.get("item"), conn) in self._target(conn, message)

    def op_enter(self, conn: Connection, message: dict[str, Any]) -> Any:
        return self._target(conn, message).__enter__()

    def op_exit(self, conn: Connection, message: dict[str, Any]) -> bool:
        error = message.get("error")
        if error is None:
            return bool(self._target(conn, message).__exit__(None, None, None))
        exc = conn.codec.decode_error(error, conn)
        return bool(self._target(conn, message).__exit__(type(exc), exc, None))


Encoder = Callable[[Any, Connection], Any]


class Codec:
    """Plain data by value, the rest by handle. Subclassed by each side for what it adds."""

    proxy_base: type = Proxy
    is_local_module: Callable[[str], bool] = staticmethod(lambda name: False)

    # hooks for the context each request carries (environment, working directory, output)
    def context(self) -> dict[str, Any]:
        return {}

    def before_request(self, message: dict[str, Any]) -> None:
        pass

    def reply_extras(self, conn: Connection) -> dict[str, Any]:
        return {}

    def after_reply(self, reply: dict[str, Any], conn: Connection) -> None:
        pass

    # ----------------------------------------------------------------- encoding

    def encode(self, obj: Any, conn: Connection) -> Any:
        kind = type(obj)
        if obj is None or kind in (bool, int, str):
            return obj
        if kind is float:
            return (
                obj
                if obj == obj and obj not in (float("inf"), float("-inf"))
                else {"$": "float", "v": repr(obj)}
            )
        if isinstance(obj, Proxy) and obj._g_conn is conn:
            return {"$": "back", "id": obj._g_id}
        if kind is list:
            return [self.encode(x, conn) for x in obj]
        if isinstance(obj, tuple) and hasattr(kind, "_fields"):
            return self.encode_namedtuple(obj, conn)
        if isinstance(obj, enum.Enum):
            return (
                self.encode(obj.value, conn)
                if isinstance(obj, (int, str))
                else self.export(obj, conn)
            )
        plain = _encode_plain(obj, lambda x: self.encode(x, conn))
        if plain is not None:
            return plain
        if isinstance(obj, BaseException):
            return {"$": "exc", "v": self.encode_error(obj, conn)}
        reference = self.reference(obj)
        if reference is not None:
            return reference
        return self.export(obj, conn)

    def encode_namedtuple(self, obj: tuple[Any, ...], conn: Connection) -> Any:
        kind = type(obj)
        return {
            "$": "nt",
            "name": kind.__name__,
            "cls": conn.table.add(kind),
            "fields": [str(f) for f in kind._fields],  # type: ignore[attr-defined]
            "v": [self.encode(x, conn) for x in obj],
        }

    def reference(self, obj: Any) -> dict[str, Any] | None:
        """A function, class or module of a module outside the submission, by name."""
        if isinstance(obj, type(sys)):
            name = getattr(obj, "__name__", None)
            if isinstance(name, str) and not self.is_local_module(name):
                return {"$": "ref", "m": name, "q": ""}
            return None
        if not (isinstance(obj, type) or callable(obj)):
            return None
        module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
        if not isinstance(module, str) or not isinstance(qualname, str) or "<" in qualname:
            return None
        if self.is_local_module(module) or sys.modules.get(module) is None:
            return None
        try:
            found: Any = sys.modules[module]
            for part in qualname.split("."):
                found = getattr(found, part)
        except AttributeError:
            return None
        return {"$": "ref", "m": module, "q": qualname} if found is obj else None

    def export(self, obj: Any, conn: Connection) -> dict[str, Any]:
        info: dict[str, Any] = {
            "$": "h",
            "id": conn.table.add(obj),
            "type": type(obj).__name__,
            "caps": capabilities(obj),
        }
        if isinstance(obj, type):
            info["class"] = obj.__name__
            info["qualname"] = getattr(obj, "__qualname__", obj.__name__)
            info["module"] = getattr(obj, "__module__", "")
            if issubclass(obj, BaseException):
                info["exception"] = self.exception_lineage(obj, conn)
        elif dataclasses.is_dataclass(obj):
            params = getattr(type(obj), "__dataclass_params__", None)
            info["record"] = {
                "cls": conn.table.add(type(obj)),
                "fields": [f.name for f in dataclasses.fields(obj)],
                "eq": bool(getattr(params, "eq", True)),
            }
        elif isinstance(obj, type(sys)):
            info["module"] = obj.__name__
        return info

    def exception_lineage(self, kind: type, conn: Connection) -> list[Any]:
        """The class and its bases up to the first one the receiver has by name."""
        lineage: list[Any] = []
        for klass in kind.__mro__:
            reference = self.reference(klass)
            if reference is not None:
                lineage.append(reference)
                break
            lineage.append(
                {
                    "name": klass.__name__,
                    "qualname": getattr(klass, "__qualname__", klass.__name__),
                    "module": getattr(klass, "__module__", ""),
                    "id": conn.table.add(klass),
                }
            )
        return lineage

    def encode_error(self, exc: BaseException, conn: Connection) -> dict[str, Any]:
        try:
            args = [self.encode(a, conn) for a in exc.args]
        except Exception:
            args = [str(exc)]
        attributes = {}
        for name, value in list(getattr(exc, "__dict__", {}).items())[:32]:
            if isinstance(name, str) and not name.startswith("__"):
                try:
                    attributes[name] = self.encode(value, conn)
                except Exception:
                    continue
        try:
            text = str(exc)
        except Exception:
            text = "<an exception whose str() failed>"
        return {
            "lineage": self.exception_lineage(type(exc), conn),
            "args": args,
            "attrs": attributes,
            "str": text[:20000],
            "tb": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-8000:],
        }

    # ----------------------------------------------------------------- decoding

    def decode(self, data: Any, conn: Connection) -> Any:
        if data is None or type(data) in (bool, int, str, float):
            return data
        if type(data) is list:
            return [self.decode(x, conn) for x in data]
        if type(data) is not dict or not isinstance(data.get("$"), str):
            raise WireError(f"a value of unknown shape: {type(data).__name__}")
        tag = data["$"]
        if tag == "back":
            return conn.table.get(data.get("id"))
        if tag == "h":
            return self.make_proxy(data, conn)
        if tag == "ref":
            return self.resolve_reference(data, conn)
        if tag == "nt":
            return self.decode_namedtuple(data, conn)
        if tag == "exc":
            return self.decode_error(data.get("v"), conn)
        return _decode_plain(tag, data.get("v"), lambda x: self.decode(x, conn))

    def make_proxy(self, data: dict[str, Any], conn: Connection) -> Any:
        caps = frozenset(c for c in data.get("caps") or [] if c in _MIXINS)
        return proxy_class(self.proxy_base, caps)(conn, int(data["id"]), data)

    def resolve_reference(self, data: dict[str, Any], conn: Connection) -> Any:
        module, qualname = str(data.get("m")), str(data.get("q"))
        found: Any = self.import_reference_module(module)
        for part in filter(None, qualname.split(".")):
            found = getattr(found, part)
        return found

    def import_reference_module(self, name: str) -> Any:
        __import__(name)
        return sys.modules[name]

    def decode_namedtuple(self, data: dict[str, Any], conn: Connection) -> Any:
        values = [self.decode(x, conn) for x in data.get("v") or []]
        return tuple(values)

    def decode_error(self, data: Any, conn: Connection) -> BaseException:
        if not isinstance(data, dict):
            return WireError("an error of unknown shape")
        return RemoteError(str(data.get("str", ""))[:20000])


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _encode_plain(obj: Any, encode: Callable[[Any], Any]) -> Any:
    """The value types that cross by value, or None for anything else."""
    if isinstance(obj, tuple):
        return {"$": "tuple", "v": [encode(x) for x in obj]}
    if isinstance(obj, list):
        return [encode(x) for x in obj]
    if isinstance(obj, dict):
        return {"$": "dict", "v": [[encode(k), encode(v)] for k, v in obj.items()]}
    if isinstance(obj, (set, frozenset)):
        return {
            "$": "frozenset" if isinstance(obj, frozenset) else "set",
            "v": [encode(x) for x in obj],
        }
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return {"$": "bytearray" if isinstance(obj, bytearray) else "bytes", "v": _b64(bytes(obj))}
    if isinstance(obj, bool):
        return bool(obj)
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return {"$": "float", "v": repr(float(obj))}
    if isinstance(obj, str):
        return str.__str__(obj)
    if isinstance(obj, decimal.Decimal):
        return {"$": "decimal", "v": str(obj)}
    if isinstance(obj, fractions.Fraction):
        return {"$": "fraction", "v": [obj.numerator, obj.denominator]}
    if isinstance(obj, complex):
        return {"$": "complex", "v": [repr(obj.real), repr(obj.imag)]}
    if isinstance(obj, datetime.datetime):
        return {"$": "datetime", "v": obj.isoformat()}
    if isinstance(obj, datetime.date):
        return {"$": "date", "v": obj.isoformat()}
    if isinstance(obj, datetime.time):
        return {"$": "time", "v": obj.isoformat()}
    if isinstance(obj, datetime.timedelta):
        return {"$": "timedelta", "v": [obj.days, obj.seconds, obj.microseconds]}
    if isinstance(obj, uuid.UUID):
        return {"$": "uuid", "v": str(obj)}
    if isinstance(obj, pathlib.PurePath):
        return {"$": "path", "v": str(obj)}
    if isinstance(obj, range):
        return {"$": "range", "v": [obj.start, obj.stop, obj.step]}
    return None


def _decode_plain(tag: str, value: Any, decode: Callable[[Any], Any]) -> Any:
    try:
        return _DECODERS[tag](value, decode)
    except KeyError:
        raise WireError(f"a value of unknown kind {tag!r}") from None
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise WireError(f"a malformed {tag}: {exc}") from exc


def _pairs(value: Any, decode: Callable[[Any], Any]) -> dict[Any, Any]:
    return {decode(k): decode(v) for k, v in value}


_DECODERS: dict[str, Callable[[Any, Callable[[Any], Any]], Any]] = {
    "tuple": lambda v, d: tuple(d(x) for x in v),
    "dict": _pairs,
    "set": lambda v, d: {d(x) for x in v},
    "frozenset": lambda v, d: frozenset(d(x) for x in v),
    "bytes": lambda v, d: base64.b64decode(str(v), validate=True),
    "bytearray": lambda v, d: bytearray(base64.b64decode(str(v), validate=True)),
    "float": lambda v, d: float(str(v)),
    "decimal": lambda v, d: decimal.Decimal(str(v)),
    "fraction": lambda v, d: fractions.Fraction(int(v[0]), int(v[1])),
    "complex": lambda v, d: complex(float(str(v[0])), float(str(v[1]))),
    "datetime": lambda v, d: datetime.datetime.fromisoformat(str(v)),
    "date": lambda v, d: datetime.date.fromisoformat(str(v)),
    "time": lambda v, d: datetime.time.fromisoformat(str(v)),
    "timedelta": lambda v, d: datetime.timedelta(int(v[0]), int(v[1]), int(v[2])),
    "uuid": lambda v, d: uuid.UUID(str(v)),
    "path": lambda v, d: pathlib.Path(str(v)),
    "range": lambda v, d: range(int(v[0]), int(v[1]), int(v[2])),
}
