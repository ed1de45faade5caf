"""The trusted side's proxies: handles to the candidate's objects, and stand-ins for its classes.

Part of the trusted side of an isolated Python grading (grader_isolation.py).
A handle found by a module-level name survives a crash of the candidate
process (it is looked up again by that name); a dataclass instance compares
by field values copied here, never by the candidate's ``__eq__``; an ASGI
application is driven over the wire; a candidate class is a local class whose
construction, attributes and ``isinstance`` go to the owner.
"""

from __future__ import annotations

from typing import Any

import grader_wire as wire


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
