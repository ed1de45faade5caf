"""The second line at run time: CPython audit hooks that watch the submission's code.

Installed before any of the submission's code runs: in the candidate process of
an isolated grading (candidate_host.py), and in the test process of a shared
one (launch_pytest.py). An audit hook cannot be removed once added. It notes
what honest code seldom does, attributed to the submission's own line (the
frame that made the call must be a file under /work, never the hidden suite):

- walking the call stack (``sys._getframe``, ``sys._current_frames``),
- searching the garbage collector (``gc.get_referrers`` and friends),
- ``ctypes``, signalling another process, opening the hidden suite or /proc,
- writing an attribute of a class or function it did not write.

Each note is a suspicion for a reviewer (the report's ``integrity`` section),
except one: writing to the test framework's or the grader's own objects
(``_pytest``, ``pluggy``, ``grader_*``) is evidence, and makes the grading
``tampered``. In an isolated grading the notes travel back with each reply; the
test process adds its own and writes them all once, at the end of the session.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

WORKDIR = "/work/"
HIDDEN = "/work/hidden/"
MAX_NOTES = 50
FRAMEWORK_MODULES = ("_pytest", "pytest", "pluggy", "grader_", "supervise", "launch_pytest")
EVIDENCE = "patches the test framework"

_STACK_EVENTS = {"sys._getframe", "sys._current_frames"}
_GC_EVENTS = {"gc.get_referrers", "gc.get_referents", "gc.get_objects"}


class Watch:
    """The notes of one process; ``take`` hands over what is new since the last call."""

    def __init__(self) -> None:
        self.notes: list[dict[str, Any]] = []
        self.seen: set[tuple[str, str, int]] = set()
        self.sent = 0
        self.local = threading.local()
        self.lock = threading.Lock()

    def install(self) -> None:
        sys.addaudithook(self.hook)

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        # Our own frame inspection below raises audit events too: never recurse.
        if getattr(self.local, "busy", False) or len(self.notes) >= MAX_NOTES:
            return
        self.local.busy = True
        try:
            signal = classify(event, args)
            if signal is not None:
                self.note(signal, event, args)
        except Exception:  # a watcher must never break the code it watches
            pass
        finally:
            self.local.busy = False

    def note(self, signal: str, event: str, args: tuple[Any, ...]) -> None:
        where = candidate_caller(event)
        if where is None:
            return
        path, line = where
        key = (signal, path, line)
        with self.lock:
            if key in self.seen or len(self.notes) >= MAX_NOTES:
                return
            self.seen.add(key)
            self.notes.append(
                {
                    "signal": signal,
                    "file": path.removeprefix(WORKDIR),
                    "line": line,
                    "text": f"{event} {describe(args)}"[:200],
                    "evidence": signal == EVIDENCE,
                }
            )

    def take(self) -> list[dict[str, Any]]:
        with self.lock:
            new, self.sent = self.notes[self.sent :], len(self.notes)
            return new

    def add(self, notes: Any) -> None:
        """Notes from a candidate process (untrusted input: kept only if well formed)."""
        if not isinstance(notes, list):
            return
        for item in notes[:MAX_NOTES]:
            if not isinstance(item, dict) or len(self.notes) >= MAX_NOTES:
                continue
            signal, path = str(item.get("signal"))[:100], str(item.get("file"))[:300]
            line = item.get("line") if isinstance(item.get("line"), int) else 0
            note = {
                "signal": signal,
                "file": path,
                "line": line,
                "text": str(item.get("text"))[:200],
                "evidence": item.get("evidence") is True,
            }
            key = (signal, path, int(line))
            with self.lock:
                if key not in self.seen:
                    self.seen.add(key)
                    self.notes.append(note)


def classify(event: str, args: tuple[Any, ...]) -> str | None:
    if event in _STACK_EVENTS:
        return "walks the call stack"
    if event in _GC_EVENTS:
        return "searches the garbage collector"
    if event.startswith("ctypes."):
        return "uses ctypes"
    if event == "os.kill" and args and args[0] not in (0, os.getpid()):
        return "signals another process"
    if event == "open" and args and isinstance(args[0], str):
        path = os.path.normpath(args[0]) + "/"
        if path.startswith(HIDDEN):
            return "reaches for the hidden tests"
        if path.startswith("/proc/") and not path.startswith(("/proc/self/", "/proc/thread-self/")):
            return "reaches into other processes"
        return None
    if event in ("object.__setattr__", "object.__delattr__") and args:
        return _attribute_write(args[0])
    return None


def _attribute_write(target: Any) -> str | None:
    """A class or function attribute write, judged by whose object it is."""
    module = str(getattr(target, "__module__", "") or "")
    if isinstance(target, type(sys)):
        module = target.__name__
    if module.split(".", 1)[0].startswith(FRAMEWORK_MODULES):
        return EVIDENCE
    origin = str(getattr(sys.modules.get(module), "__file__", "") or "")
    if origin.startswith(WORKDIR) or module in ("__main__", ""):
        return None  # its own classes: writing to them is ordinary code
    return "patches code it did not write"


def candidate_caller(event: str) -> tuple[str, int] | None:
    """The submission's line that made the call, if the caller is the submission's code.

    The caller is the innermost Python frame, except for ctypes, whose own Python
    code makes the calls: then the first frame outside the ctypes package."""
    frame = sys._getframe(3)  # hook <- Watch.hook <- Watch.note <- candidate_caller
    if event.startswith("ctypes."):
        while frame is not None and "/ctypes/" in frame.f_code.co_filename:
            frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return None
    path = frame.f_code.co_filename
    if not path.startswith(WORKDIR) or path.startswith(HIDDEN):
        return None
    return path, frame.f_lineno


def describe(args: tuple[Any, ...]) -> str:
    parts = []
    for arg in args[:3]:
        if isinstance(arg, str | int | float | bytes):
            parts.append(repr(arg)[:80])
        else:
            kind = type(arg)
            parts.append(f"<{kind.__module__}.{kind.__qualname__}>")
    return ", ".join(parts)


WATCH = Watch()


def snapshot(objects: dict[str, Any]) -> dict[str, dict[str, tuple[Any, Any]]]:
    """Each object's attributes: the value and its code (kept, so no identity is reused)."""
    return {name: _fingerprint(obj) for name, obj in objects.items()}


def changed(objects: dict[str, Any], before: dict[str, dict[str, tuple[Any, Any]]]) -> list[str]:
    """The attributes added, removed or replaced since ``before``, as ``owner.name``."""
    found = []
    for owner, obj in objects.items():
        now, then = _fingerprint(obj), before.get(owner, {})
        for name in sorted(set(now) | set(then)):
            old, new = then.get(name, (None, None)), now.get(name, (None, None))
            if (old[0] is not new[0] or old[1] is not new[1]) and (
                _behaves(old[0]) or _behaves(new[0])
            ):
                found.append(f"{owner}.{name}")
    return found[:MAX_NOTES]


def runner_changed(what: str) -> dict[str, Any]:
    return {
        "signal": EVIDENCE,
        "file": "",
        "line": 0,
        "text": f"the runner's {what} was replaced while the tests ran",
        "evidence": True,
    }


def _behaves(value: Any) -> bool:
    """Code, not state: pytest itself flips flags on its classes (a warning shown once)."""
    return callable(value) or isinstance(value, classmethod | staticmethod | property)


def _fingerprint(obj: Any) -> dict[str, tuple[Any, Any]]:
    # vars() of a class or module is read without running any of its values' code.
    return {
        str(name): (value, getattr(value, "__code__", None) if callable(value) else None)
        for name, value in dict(vars(obj)).items()
    }
