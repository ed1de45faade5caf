"""Pytest plugin loaded by the grader inside the sandbox.

Writes one JSON object per line to the inherited file descriptor given by
``--grader-results-fd`` (a socket whose other end only the sandbox's PID 1
reads), flushed as each event happens, so a suite killed half-way still leaves
the outcomes of the tests that finished. Events (schema 1):

    {"event": "collect_error", "id": PATH, "message": str}
    {"event": "item", "id": NODEID}                       # --collect-only runs
    {"event": "start", "id": NODEID}
    {"event": "result", "id": NODEID, "outcome": OUTCOME, "duration_s": float, "message": str}
    {"event": "integrity", "notes": [NOTE, ...]}          # grader_audit, before finish
    {"event": "finish", "exitstatus": int}

OUTCOME is passed, failed, error or skipped; the host adds timeout. In an
isolated grading no candidate code runs in this process (grader_isolation);
in a shared one it does, and the tripwires and exit-status checks are what
expose a rewrite, with the audit hooks and the runner snapshot (grader_audit)
as a second line.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from typing import Any

import _pytest.python
import _pytest.reports
import _pytest.runner
import grader_audit
import pluggy._callers
import pluggy._hooks
import pytest

SCHEMA = 1
MAX_MESSAGE = 4000


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--grader-results-fd", type=int, default=None, help="where to write the results"
    )
    parser.addoption(
        "--grader-control-fd",
        type=int,
        default=None,
        help="isolated grading: the socket on which PID 1 starts candidate processes",
    )


def _clip(text: str) -> str:
    if len(text) <= MAX_MESSAGE:
        return text
    return text[:MAX_MESSAGE] + f"\n... [{len(text) - MAX_MESSAGE} characters cut]"


class ResultsWriter:
    def __init__(self, fd: int) -> None:
        os.set_inheritable(fd, False)  # the tests' own subprocesses do not get it
        self._channel = socket.socket(fileno=fd)
        self._phases: dict[str, list[pytest.TestReport]] = {}
        # Taken at configure time, before any test module (or submission module) is imported.
        self._runner = grader_audit.snapshot(RUNNER_OBJECTS)
        self.write({"event": "begin", "schema": SCHEMA})

    def write(self, record: dict[str, Any]) -> None:
        self._channel.sendall((json.dumps(record) + "\n").encode())

    @pytest.hookimpl(tryfirst=True)
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.write(
                {
                    "event": "collect_error",
                    "id": report.nodeid,
                    "message": _clip(report.longreprtext),
                }
            )

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if session.config.option.collectonly:
            for item in session.items:
                self.write({"event": "item", "id": item.nodeid})

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.write({"event": "start", "id": nodeid})

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        phases = self._phases.setdefault(report.nodeid, [])
        phases.append(report)
        if report.when == "teardown":
            del self._phases[report.nodeid]
            self.write(_summarise(report.nodeid, phases))

    def pytest_sessionfinish(self, exitstatus: int) -> None:
        changed = grader_audit.changed(RUNNER_OBJECTS, self._runner)
        notes = grader_audit.WATCH.take() + [grader_audit.runner_changed(c) for c in changed]
        if notes:
            self.write({"event": "integrity", "notes": notes})
        self.write({"event": "finish", "exitstatus": int(exitstatus)})
        self._channel.close()


# The objects whose attributes decide or carry an outcome; any change while the tests ran
# is evidence that code in this process rewrote the runner (a shared grading).
RUNNER_OBJECTS: dict[str, Any] = {
    "grader_plugin": sys.modules[__name__],
    "grader_plugin.ResultsWriter": ResultsWriter,
    "_pytest.runner": _pytest.runner,
    "_pytest.reports.TestReport": _pytest.reports.TestReport,
    "_pytest.reports.BaseReport": _pytest.reports.BaseReport,
    "_pytest.python.Function": _pytest.python.Function,
    "pluggy._callers": pluggy._callers,
    "pluggy._hooks.HookCaller": pluggy._hooks.HookCaller,
}


def _summarise(nodeid: str, phases: list[pytest.TestReport]) -> dict[str, Any]:
    """One outcome for a test from its setup, call and teardown reports."""
    outcome, message = "passed", ""
    by_phase = {r.when: r for r in phases}
    setup, call, teardown = by_phase.get("setup"), by_phase.get("call"), by_phase.get("teardown")
    if setup is not None and setup.failed:
        outcome, message = "error", setup.longreprtext
    elif setup is not None and setup.skipped:
        outcome, message = "skipped", setup.longreprtext
    elif call is not None and call.skipped:
        # An expected failure (xfail) did not pass: it counts as not run, never as passed.
        outcome, message = "skipped", call.longreprtext or "xfail"
    elif call is not None and call.failed:
        outcome, message = "failed", call.longreprtext
    elif teardown is not None and teardown.failed:
        outcome, message = "error", teardown.longreprtext
    elif call is None:
        outcome, message = "error", "the test did not run"
    duration = sum(float(r.duration) for r in phases)
    return {
        "event": "result",
        "id": nodeid,
        "outcome": outcome,
        "duration_s": round(duration, 6),
        "message": _clip(message),
    }


def pytest_configure(config: pytest.Config) -> None:
    fd = config.getoption("--grader-results-fd")
    if fd is not None:
        config.pluginmanager.register(ResultsWriter(fd), "grader-results-writer")
