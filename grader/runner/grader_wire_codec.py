"""The wire's codec: plain data by value, the rest by handle or by reference.

Part of the wire (grader_wire.py), imported by both sides and subclassed by
each (grader_trusted_codec.py, candidate_host.py). ``encode`` turns a value
into JSON data: plain values as themselves (grader_wire_values.py), a handle
back to its owner as its number, a function, class or module of a module
outside the submission as a reference by name, anything else as a new
handle. ``decode`` only ever builds plain data, proxies, or objects the
receiver already has.
"""

from __future__ import annotations

import dataclasses
import enum
import sys
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from grader_wire_frames import RemoteError, WireError
from grader_wire_proxies import _MIXINS, Proxy, capabilities, proxy_class
from grader_wire_values import _decode_plain, _encode_plain

if TYPE_CHECKING:
    from grader_wire import Connection


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
