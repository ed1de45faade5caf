"""What the candidate may do to the trusted side's objects, and what it may name there.

Part of the trusted side of an isolated Python grading (grader_isolation.py).
The refusal rules live here, in one place: the candidate reaches public
attributes only; frames, tracebacks and code of the tests' process, and the
test runner's own objects (pytest, pluggy, ``grader_*``), are never
available; the tests' generators offer send, throw and close only; objects of
the hidden tests are read-only. ``REFUSED_REFERENCE_MODULES`` lists modules
no reference by name may reach (grader_trusted_codec.py).
"""

from __future__ import annotations

import sys
import types
from typing import Any

import grader_wire as wire

WORKDIR = "/work"
HIDDEN = WORKDIR + "/hidden"
REFUSED_REFERENCE_MODULES = frozenset({"antigravity", "this"})
RUNNER_MODULES = frozenset({"_pytest", "pytest", "pluggy", "py", "iniconfig", "candidate_host"})


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
