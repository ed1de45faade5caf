"""The trusted side's codec: what the tests' process builds from the candidate's data.

Part of the trusted side of an isolated Python grading (grader_isolation.py).
Candidate exceptions become local classes of the same name and bases, never
able to stop this process; namedtuples become local namedtuples; only classes
whose equality is identity cross by name, from modules loaded here. Each
request carries what changed in the tests' context (environment, working
directory, paths), and each reply's output, warnings and audit notes are
replayed here.
"""

from __future__ import annotations

import collections
import contextlib
import os
import sys
import warnings
from typing import TYPE_CHECKING, Any

import grader_audit
import grader_wire as wire
from grader_trusted_policy import REFUSED_REFERENCE_MODULES, WORKDIR
from grader_trusted_proxies import AsgiProxy, RecordProxy, RemoteClassMeta, TrustedProxy

if TYPE_CHECKING:
    from grader_isolation import CandidateLink


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
