"""Node's runner in the sandbox: node:test with the grader's reporter (imported by supervise.py).

The grader's reporter (node_reporter.mjs) writes the results to the named pipe;
the spec reporter writes the log. Node is given each hidden test file: without
explicit paths it would also run the candidate's own test files.

With ``isolation = "process"`` (``control`` given: supervise_nodelink's
NodeLinkSpawner) every Node process of the run loads node_trusted.cjs first,
which keeps the submission out of it: its modules run in candidate processes
that PID 1 starts on the link's requests (supervise_nodelink.py).
"""

from __future__ import annotations

from typing import Any

from supervise_nodelink import NodeLinkSpawner

COMMANDS = ("node",)
SOCKET_RESULTS = False
ISOLATES = True  # can run the submission in processes of its own (isolation "process")
SPAWNER = NodeLinkSpawner
TRUSTED = "/opt/grader/node_trusted.cjs"


def command(header: dict[str, Any], results: Any, control: Any) -> list[str]:
    """``results``: supervise.ResultsPipe (a named pipe here); ``control``: the
    NodeLinkSpawner of an isolated run, or None."""
    trusted = ["--require", TRUSTED] if control is not None else []
    return [
        "/usr/bin/node",
        *trusted,
        "--test",
        "--test-reporter=/opt/grader/node_reporter.mjs",
        f"--test-reporter-destination={results.path}",
        "--test-reporter=spec",
        "--test-reporter-destination=stdout",
        *header.get("args", ["hidden"]),
    ]
