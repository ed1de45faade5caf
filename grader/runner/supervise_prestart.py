"""Pre-started processes: PID 1 starts the test process and one candidate process early.

A warm sandbox's PID 1 (supervise.py) waits for the header while nothing else
happens; the interpreters' start and imports (pytest, the grader's plugin and
modules) would otherwise come after it, on the grading's critical path. So in
the Python image PID 1 starts them before reading the header:

- the test process, ``launch_pytest.py --grader-wait-fd=N`` under the grader's
  uid (10001), with the results channel, the control socket and the output pipe
  made now, as for any run. It makes itself undumpable before its first import,
  imports what every run needs and blocks on the socket N, whose other end only
  PID 1 holds; at ``go`` PID 1 sends it the argv and environment it would have
  been started with, once the tree is extracted;
- one candidate process (candidate_host.py, uid 10002), which imports the host's
  own modules and waits for its first request: PID 1 hands it over on the first
  ``spawn`` of the test process (supervise_channels.CandidateSpawner).

Nothing of the submission exists while they start, and nothing of it runs
before ``go``. They fit one kind of run only: ``pytest`` with ``isolation =
"process"``. For anything else (collect, shared isolation) PID 1 kills both and
starts the run as before; so it does when the test process died before ``go`` or
its socket fails. The suite's clock (``duration_s``, the time limit) starts at
``go``; the frame's ``prestart`` says whether it was used and how long the test
process took to be ready (``ready_s``, from its start; null if it was not yet
ready at ``go``, when the run waits for it inside the suite's time).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from typing import Any

from supervise_channels import (
    GRADER_UID,
    SAFE_ENV,
    WORKDIR,
    CandidateSpawner,
    ResultsPipe,
    as_user,
)

PYTHON = "/opt/venv/bin/python"
LAUNCHER = "/opt/grader/launch_pytest.py"
PREFIX = [PYTHON, "-I", "-B", LAUNCHER]


def available() -> bool:
    """Only the Python image has the launcher and its virtualenv."""
    return os.path.exists(PYTHON) and os.path.exists(LAUNCHER)


class Prestarted:
    """The pre-started test process and candidate process, with their channels."""

    def __init__(self) -> None:
        self.spawned_at = time.monotonic()
        self.results = ResultsPipe(socket_pair=True)
        self.control = CandidateSpawner()
        self.out_read, out_write = os.pipe()
        self.go_channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.child = subprocess.Popen(
            [*PREFIX, f"--grader-wait-fd={theirs.fileno()}"],
            cwd=WORKDIR,
            env=dict(SAFE_ENV),
            stdin=subprocess.DEVNULL,
            stdout=out_write,
            stderr=out_write,
            close_fds=True,
            pass_fds=(self.results.write_fd, self.control.their_fd, theirs.fileno()),
            start_new_session=True,
            **as_user(GRADER_UID),
        )
        theirs.close()
        self.results.close_write_end()
        self.control.started(out_write)  # the candidate processes share its output pipe
        self.control.prestart()

    def fits(self, header: dict[str, Any], isolated: bool, command: list[str]) -> bool:
        return header["command"] == "pytest" and isolated and command[: len(PREFIX)] == PREFIX

    def go(self, command: list[str], env: dict[str, str]) -> dict[str, Any] | None:
        """Send the test process its argv and environment; None if it cannot take them
        (died, or its socket failed), and then the caller discards this and starts anew."""
        if self.child.poll() is not None:
            return None
        ready_s = self._ready_s()
        message = json.dumps({"argv": command[len(PREFIX) :], "env": env}) + "\n"
        try:
            self.go_channel.sendall(message.encode())
        except OSError:
            return None
        finally:
            self.go_channel.close()
        return {"used": True, "ready_s": ready_s}

    def _ready_s(self) -> float | None:
        """How long the test process took to be ready, if it already said so."""
        self.go_channel.setblocking(False)
        try:
            said = self.go_channel.recv(64)
        except OSError:
            said = b""
        finally:
            self.go_channel.setblocking(True)
        parts = said.split()
        try:
            at = float(parts[1]) if len(parts) == 2 and parts[0] == b"ready" else None
        except ValueError:
            at = None
        return round(at - self.spawned_at, 6) if at is not None and at >= self.spawned_at else None

    def discard(self) -> None:
        """Kill both processes and close every channel; the run starts as without them."""
        pids = [self.child.pid] + [c.pid for c in self.control.children]
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in pids:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self.child.returncode = 0  # reaped above; keep Popen from waiting again
        self.control.close()
        self.go_channel.close()
        os.close(self.out_read)
        os.close(self.results.read_fd)
