"""The wire's proxies: handles to objects of the other side, where every use is a request.

Part of the wire (grader_wire.py), imported by both sides. A ``Proxy`` holds
the number its owner gave the object and never runs code of the other side
here: its equality is identity of handles, anything else is refused. Each
proxy class has exactly the protocol methods (call, iteration, length ...)
the remote object's type has, so ``callable()`` and ``len()`` answer truly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grader_wire_frames import PeerGone

if TYPE_CHECKING:
    from grader_wire import Connection

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
