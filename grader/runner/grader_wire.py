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

The parts: framing and errors (grader_wire_frames.py), plain values
(grader_wire_values.py), proxies (grader_wire_proxies.py) and the codec
(grader_wire_codec.py); this module holds the connection, its object table
and the policy, and is the one both sides import as ``grader_wire``.
"""

from __future__ import annotations

import itertools
import socket
import threading
from collections.abc import Callable
from typing import Any

from grader_wire_codec import Codec
from grader_wire_frames import (
    MAX_MESSAGE,
    PeerGone,
    RemoteError,
    WireError,
    recv_message,
    send_message,
)
from grader_wire_proxies import CAPS, Proxy, capabilities, proxy_class

__all__ = [
    "CAPS",
    "MAX_MESSAGE",
    "Codec",
    "Connection",
    "Encoder",
    "PeerGone",
    "Policy",
    "Proxy",
    "RemoteError",
    "Table",
    "WireError",
    "capabilities",
    "proxy_class",
    "recv_message",
    "send_message",
]


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


# --------------------------------------------------------------------------- the policy


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
