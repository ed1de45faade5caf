"""Node's runner in the sandbox: node:test with the grader's reporter (imported by supervise.py).

The grader's reporter (node_reporter.mjs) writes the results to the named pipe;
the spec reporter writes the log. Node is given each hidden test file: without
explicit paths it would also run the candidate's own test files.
"""

from __future__ import annotations

from typing import Any

COMMANDS = ("node",)
SOCKET_RESULTS = False
ISOLATES = False


def command(header: dict[str, Any], results: Any, _control: Any) -> list[str]:
    """``results``: supervise.ResultsPipe (a named pipe here)."""
    return [
        "/usr/bin/node",
        "--test",
        "--test-reporter=/opt/grader/node_reporter.mjs",
        f"--test-reporter-destination={results.path}",
        "--test-reporter=spec",
        "--test-reporter-destination=stdout",
        *header.get("args", ["hidden"]),
    ]
