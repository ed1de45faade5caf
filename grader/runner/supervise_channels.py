"""The channels PID 1 (supervise.py) holds: the results channel, the control socket, the output.

``ResultsPipe``: the test process writes its records into it, and only PID 1 holds
the reading end, so nothing written can be taken back or read back first.
``CandidateSpawner``: PID 1's side of the control socket of an isolated Python
grading; it starts the candidate processes under their own uid (Node's counterpart
is supervise_nodelink.NodeLinkSpawner). Both run in PID 1, with its capabilities;
nothing here is reachable from the candidate's code.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
from collections.abc import Iterator
from typing import Any

WORKDIR = "/work"
GRADER_UID = 10001
CANDIDATE_UID = 10002
MAX_CANDIDATE_PROCESSES = 500
MAX_RESULTS_BYTES = 16 << 20

SAFE_ENV = {
    "PATH": "/opt/venv/bin:/usr/local/bin:/usr/bin:/bin",
    "HOME": "/tmp",
    "TMPDIR": "/tmp",
    "LANG": "C.UTF-8",
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    "NODE_OPTIONS": "",
}


def as_user(uid: int) -> dict[str, Any]:
    """Popen arguments that start a child under ``uid`` when we are root."""
    if os.getuid() != 0:
        return {}
    return {"user": uid, "group": uid, "extra_groups": [], "umask": 0o022}


def candidate_env(env: dict[str, str] | None) -> dict[str, str]:
    """A candidate process's environment: the safe one, the services' variables, its user."""
    return {**SAFE_ENV, **(env or {}), "USER": "candidate", "LOGNAME": "candidate"}


@contextlib.contextmanager
def effective_uid(uid: int) -> Iterator[None]:
    """Act as ``uid`` for the file system calls inside, when we are root (else as we are).

    What PID 1 makes for the test process must be the test process's: PID 1 has no
    CAP_CHOWN to give it away later, nor CAP_DAC_OVERRIDE to enter that uid's private
    folders. The saved uid stays 0, which restores our capabilities when we return to it.
    """
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(uid)
    try:
        yield
    finally:
        os.seteuid(0)


def start_as(
    uid: int, argv: list[str], env: dict[str, str], out_fd: int | None, fds: tuple[int, ...]
) -> subprocess.Popen[bytes]:
    """A process of the run (the test process, a candidate process) under ``uid``, in the
    working folder and a session of its own, writing to ``out_fd``, holding only ``fds``
    of ours."""
    return subprocess.Popen(
        argv,
        cwd=WORKDIR,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=out_fd,
        stderr=out_fd,
        close_fds=True,
        pass_fds=fds,
        start_new_session=True,
        **as_user(uid),
    )


def start_candidate(
    argv: list[str], env: dict[str, str], out_fd: int | None, fds: tuple[int, ...]
) -> subprocess.Popen[bytes]:
    """A candidate process (any language's host), writing to the test process's output."""
    return start_as(CANDIDATE_UID, argv, env, out_fd, fds)


class CandidateSpawner:
    """PID 1's side of the control socket: on each ``spawn`` line from the test process,
    start a candidate process under the candidate's uid and pass the test process one end
    of a fresh socket pair (SCM_RIGHTS), with the new process's pid."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.env = candidate_env(env)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.ours, self.theirs = ours, theirs
        self.our_fd, self.their_fd = ours.fileno(), theirs.fileno()
        self.out_fd: int | None = None
        self.spawned = 0
        self.children: list[subprocess.Popen[bytes]] = []
        self.waiting: tuple[subprocess.Popen[bytes], socket.socket] | None = None

    @property
    def test_fds(self) -> tuple[int, ...]:
        """The descriptors the test process is started with: the socket's other end."""
        return (self.their_fd,)

    def test_env(self) -> dict[str, str]:
        """What the test process's environment needs for this link: nothing (an fd flag)."""
        return {}

    def started(self, out_fd: int) -> None:
        """The test process holds the other end now; ``out_fd`` is its output pipe, which
        the candidate processes share."""
        self.theirs.close()
        self.out_fd = out_fd

    def serve(self) -> bool:
        try:
            request = self.ours.recv(64)
        except OSError:
            return False
        if not request:
            return False
        try:
            for _line in request.split(b"\n")[:-1] or [request]:
                self._spawn_one()
        except OSError:  # the test process is gone: nobody to answer any more
            return False
        return True

    def use_env(self, env: dict[str, str]) -> None:
        """The services' variables, for the processes started from now on (a pre-started
        host gets the test process's environment with its first request anyway)."""
        self.env = candidate_env(env)

    def prestart(self) -> None:
        """Start one candidate process now, before the submission exists: it imports the
        host's own modules and then waits for its first request, which only comes once
        ``started`` was called and the test process asks."""
        self.waiting = self._start_host(["--prestarted"])

    def _start_host(
        self, extra: list[str] | None = None
    ) -> tuple[subprocess.Popen[bytes], socket.socket]:
        mine, yours = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        child = start_candidate(
            [
                "/opt/venv/bin/python",
                "-I",
                "-B",
                "/opt/grader/candidate_host.py",
                str(mine.fileno()),
                *(extra or []),
            ],
            self.env,
            self.out_fd,
            (mine.fileno(),),
        )
        self.children.append(child)
        mine.close()
        return child, yours

    def _spawn_one(self) -> None:
        if self.spawned >= MAX_CANDIDATE_PROCESSES:
            self.ours.sendall(b"refused")
            return
        waiting, self.waiting = self.waiting, None
        if waiting is not None and waiting[0].poll() is not None:
            waiting[1].close()  # the pre-started one died before it was needed: start anew
            waiting = None
        try:
            child, yours = waiting or self._start_host()
        except OSError:
            # No pid or memory left, which the candidate's own processes can cause (they
            # fill the pids limit and exit): that candidate's tests fail, the run goes on.
            self.ours.sendall(b"refused")
            return
        self.spawned += 1
        socket.send_fds(self.ours, [f"pid:{child.pid}".encode()], [yours.fileno()])
        yours.close()

    def close(self) -> None:
        if self.waiting is not None:
            self.waiting[1].close()
            self.waiting = None
        if self.out_fd is not None:
            os.close(self.out_fd)
            self.out_fd = None
        self.ours.close()
        for child in self.children:
            child.returncode = 0  # reaped by PID 1's own loop; keep Popen from waiting again


class BoundedOutput:
    """Keeps the first and last ``limit // 2`` bytes of a stream, counts the rest."""

    def __init__(self, limit: int) -> None:
        self.half = max(limit // 2, 1)
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def add(self, data: bytes) -> None:
        room = self.half - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        self.tail += data
        if len(self.tail) > self.half:
            cut = len(self.tail) - self.half
            self.dropped += cut
            del self.tail[:cut]

    def as_dict(self) -> dict[str, Any]:
        return {
            "head": self.head.decode("utf-8", "replace"),
            "tail": self.tail.decode("utf-8", "replace"),
            "dropped_bytes": self.dropped,
        }


class HeadOnly:
    """Keeps the first ``limit`` bytes of a stream and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data = bytearray()
        self.dropped = 0

    def add(self, data: bytes) -> None:
        room = self.limit - len(self.data)
        self.data += data[: max(room, 0)]
        self.dropped += max(len(data) - max(room, 0), 0)


def pipe_owned_by(uid: int) -> tuple[int, int]:
    """A pipe the runner under ``uid`` may reopen as /dev/fd/N.

    Reopening a pipe through /proc checks the pipe's owner, which is the creator's
    effective uid, and PID 1 has no CAP_CHOWN to change it later. So we take ``uid`` as
    the effective uid for the one call; the saved uid stays 0, which restores our
    capabilities when we return to it.
    """
    with effective_uid(uid):
        return os.pipe()


class ResultsPipe:
    """The results channel, whose reading end only PID 1 holds.

    The runner writes each record as it happens. What was written cannot be
    taken back: code that rewrites results later only adds records, which the
    host sees as duplicates. There is no file to replace, truncate or turn into
    a FIFO. For pytest it is a Unix socket pair: a socket cannot be reopened
    through /proc, so the test process cannot read its own records back before
    we do (it could with a pipe). Node's runner can only write to a path, so it
    gets a pipe (/dev/fd/N); its tests run in other processes than the reporter.
    """

    def __init__(self, socket_pair: bool) -> None:
        if socket_pair:
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            ours.shutdown(socket.SHUT_WR)  # nothing ever flows towards the test process
            self.read_fd, self.write_fd = ours.detach(), theirs.detach()
        else:
            self.read_fd, self.write_fd = pipe_owned_by(GRADER_UID)
        os.set_blocking(self.read_fd, False)
        self.buffer = HeadOnly(MAX_RESULTS_BYTES)

    @property
    def path(self) -> str:
        return f"/dev/fd/{self.write_fd}"

    def close_write_end(self) -> None:
        os.close(self.write_fd)

    def records(self) -> tuple[list[Any], int]:
        """The JSON lines received; lines that do not parse are counted, not kept."""
        records: list[Any] = []
        bad = 1 if self.buffer.dropped else 0
        for line in bytes(self.buffer.data).splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                bad += 1
        return records, bad
