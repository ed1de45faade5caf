"""Python's runner in the sandbox: pytest with the grader's plugin (imported by supervise.py).

``pytest`` runs the hidden suite, ``collect`` only lists its tests. Results go to
the grader's plugin over a socket pair whose other end PID 1 holds; with
``isolation = "process"`` the plugin asks PID 1, on the control socket, for the
candidate processes that import the submission (grader_isolation.py).
"""

from __future__ import annotations

from typing import Any

from supervise_channels import CandidateSpawner

COMMANDS = ("pytest", "collect")
SOCKET_RESULTS = True  # the plugin writes to a socket pair, not a named pipe
ISOLATES = True  # can run the submission in processes of its own (isolation "process")
SPAWNER = CandidateSpawner  # PID 1's side of the control socket


def command(header: dict[str, Any], results: Any, control: Any) -> list[str]:
    """``results``: supervise.ResultsPipe; ``control``: its CandidateSpawner, or None."""
    argv = [
        "/opt/venv/bin/python",
        "-I",
        "-B",
        "/opt/grader/launch_pytest.py",
        "-c",
        "/opt/grader/pytest.ini",
        "--rootdir",
        "/work",
        "-p",
        "no:cacheprovider",
        "--continue-on-collection-errors",
        "-q",
        "-rN",
        "--tb=short",
        "--color=no",
        f"--grader-results-fd={results.write_fd}",
    ]
    if header["command"] == "collect":
        argv.append("--collect-only")
    if control is not None:
        argv.append(f"--grader-control-fd={control.their_fd}")
    return [*argv, *header.get("args", ["hidden"])]
