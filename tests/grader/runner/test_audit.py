"""The run-time second line: what the audit watch notes, and the runner's snapshot.

The hook is called directly here (an audit hook, once added, stays for the life of the
process); tests/attacks grade the same code for real in a sandbox.
"""

from __future__ import annotations

import gc
import sys
import types
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "grader" / "runner"))

import grader_audit as audit


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "work"
    monkeypatch.setattr(audit, "WORKDIR", f"{root}/")
    monkeypatch.setattr(audit, "HIDDEN", f"{root}/hidden/")
    return root


def run_as(path: Path, source: str, watch: audit.Watch) -> None:
    """Run ``source`` as if it were the file ``path``, calling ``watch.hook`` the way CPython
    would from that code (the hook's caller is that file's frame)."""
    code = compile(source, str(path), "exec")
    exec(code, {"hook": watch.hook, "sys": sys})


def test_a_stack_walk_by_the_submission_is_noted_at_its_line(workdir: Path) -> None:
    watch = audit.Watch()
    run_as(workdir / "pkg" / "mod.py", "\n\nhook('sys._getframe', (None,))\n", watch)
    assert watch.take() == [
        {
            "signal": "walks the call stack",
            "file": "pkg/mod.py",
            "line": 3,
            "text": "sys._getframe <builtins.NoneType>",
            "evidence": False,
        }
    ]
    assert watch.take() == []  # handed over once


@pytest.mark.parametrize("path", ["/usr/lib/python3/x.py", "hidden/test_x.py"])
def test_calls_made_by_the_grader_or_the_hidden_tests_are_not_noted(
    workdir: Path, path: str
) -> None:
    watch = audit.Watch()
    run_as(workdir / path, "hook('gc.get_referrers', ())", watch)  # an absolute path stays
    assert watch.take() == []


@pytest.mark.parametrize(
    ("event", "args", "signal"),
    [
        ("gc.get_objects", (), "searches the garbage collector"),
        ("ctypes.dlopen", ("libc.so.6",), "uses ctypes"),
        ("os.kill", (1, 9), "signals another process"),
        ("open", ("/work/hidden/test_basic.py", "r", 0), "reaches for the hidden tests"),
        ("open", ("/proc/1/mem", "r", 0), "reaches into other processes"),
        ("object.__setattr__", (gc.collect, "__code__", None), "patches code it did not write"),
        ("object.__setattr__", (pytest.fail, "__code__", None), audit.EVIDENCE),
    ],
)
def test_each_watched_event_has_its_signal(event: str, args: tuple[Any, ...], signal: str) -> None:
    assert audit.classify(event, args) == signal


@pytest.mark.parametrize(
    ("event", "args"),
    [
        ("open", ("/tmp/data.txt", "r", 0)),
        ("open", ("/proc/self/status", "r", 0)),
        ("os.kill", (0, 0)),
        ("import", ("json", None, None, None, None)),
    ],
)
def test_ordinary_events_are_not_signals(event: str, args: tuple[Any, ...]) -> None:
    assert audit.classify(event, args) is None


def test_notes_from_a_candidate_process_are_bounded_and_plain() -> None:
    watch = audit.Watch()
    watch.add([{"signal": "x" * 500, "file": 3, "line": "9", "evidence": "yes"}, "junk"] * 100)
    watch.add("not a list")
    notes = watch.take()
    assert notes == [
        {"signal": "x" * 100, "file": "3", "line": 0, "text": "None", "evidence": False}
    ]


def test_the_snapshot_sees_replaced_code_but_not_flags() -> None:
    owner = types.SimpleNamespace(run=lambda: 1, shown=False)
    kind = type("Report", (), {"make": classmethod(lambda cls: 1)})
    objects = {"runner": owner, "Report": kind}
    before = audit.snapshot(objects)
    owner.shown = True  # pytest does this to its own classes
    assert audit.changed(objects, before) == []
    owner.run = lambda: 2
    kind.make = classmethod(lambda cls: 2)  # type: ignore[attr-defined]
    assert audit.changed(objects, before) == ["runner.run", "Report.make"]
    assert audit.runner_changed("runner.run")["evidence"] is True
