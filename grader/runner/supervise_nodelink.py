"""PID 1's side of an isolated Node grading: candidate processes on request, linked by FIFOs.

With ``isolation = "process"`` Node's test process (``node --test`` and each
test file's child, uid 10001, node_trusted.cjs) never loads the submission: each
test child asks PID 1 for a candidate process (uid 10002, node_candidate.cjs)
and talks to it over two FIFOs, in frames (4-byte big-endian length, UTF-8 JSON).

Why FIFOs: Node cannot pass a file descriptor over a socket (no SCM_RIGHTS), so
a test child cannot be handed a connection the way Python's is
(supervise_channels.CandidateSpawner). A FIFO is opened by path instead, so the
paths live in a folder only the grader's uid can enter: PID 1 makes it (as uid
10001, mode 0700, under /tmp) with the request FIFO ``spawn`` in it, and the
test process finds it in ``GRADER_LINK_DIR``. The candidate's uid cannot list,
open or replace anything there; a candidate process gets its FIFOs as
descriptors, opened by PID 1.

The handshake: the test child makes ``<id>.c`` (towards the candidate) and
``<id>.t`` (from it), holds ``t`` open for reading and writes ``spawn <id>`` to
``spawn``. PID 1 opens ``c`` three times (a blocking and a non-blocking reader,
and a read-write hold so the candidate reads no EOF before the test child opens
``c``) and ``t`` once for writing, and starts ``node node_candidate.cjs
<fd_sync> <fd_async> <fd_out> <fd_keep>``, whose first frame says ``hello``;
or it writes a ``refused`` frame to ``t``.

What it guarantees: a candidate process is started only by PID 1, under the
candidate's uid, with the environment Python's get, and only on FIFOs of the
test process's (lstat and fstat: a FIFO, owned by uid 10001, no symlink
followed); at most MAX_CANDIDATE_PROCESSES a grading. PID 1 never blocks on the
link: every open is non-blocking, requests are read as they come, and a line
that is not a request is dropped. A refusal is the only thing PID 1 writes to
the link.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
import struct
import subprocess
from collections.abc import Sequence

from supervise_channels import (
    GRADER_UID,
    MAX_CANDIDATE_PROCESSES,
    candidate_env,
    effective_uid,
    start_candidate,
)

HOST = ("/usr/bin/node", "/opt/grader/node_candidate.cjs")
LINK_PARENT = "/tmp"
MAX_LINE = 200
SPAWN = re.compile(rb"spawn ([0-9a-f]{32})")


class LinkRefused(OSError):
    """A request whose FIFOs are not the test process's: refused, not served."""


def refusal(reason: str) -> bytes:
    """The one frame PID 1 writes: 4-byte big-endian length, then UTF-8 JSON."""
    body = json.dumps({"op": "refused", "reason": reason}).encode()
    return struct.pack(">I", len(body)) + body


def _make_folder(parent: str) -> str:
    """A new folder of ours, mode 0700 (tempfile would cost PID 1's start a millisecond)."""
    while True:
        path = os.path.join(parent, f"grader-link-{os.urandom(8).hex()}")
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            continue
        return path


class NodeLinkSpawner:
    """PID 1's side of the link: on each ``spawn <id>`` line in ``D/spawn``, start a
    candidate process on the FIFOs ``D/<id>.c`` (its input) and ``D/<id>.t`` (its output).

    ``host``: the candidate program's argv before the four descriptors (tests give
    another); ``parent``: where the link folder is made.
    """

    def __init__(
        self,
        env: dict[str, str] | None = None,
        host: Sequence[str] = HOST,
        parent: str = LINK_PARENT,
    ) -> None:
        self.env = candidate_env(env)
        self.host = list(host)
        # Whose the FIFOs must be: the grader's uid, or ours when not root (tests).
        self.owner = GRADER_UID if os.geteuid() == 0 else os.geteuid()
        with effective_uid(GRADER_UID):
            self.dir = _make_folder(parent)
            spawn = os.path.join(self.dir, "spawn")
            os.mkfifo(spawn, 0o600)
            # Read and write: never EOF when a test child closes its end, never ENXIO.
            self.our_fd = os.open(spawn, os.O_RDWR | os.O_NONBLOCK | os.O_NOFOLLOW)
        self.out_fd: int | None = None
        self.spawned = 0
        self.children: list[subprocess.Popen[bytes]] = []
        self.served: set[str] = set()
        self.buffer = bytearray()
        self.skipping = False  # in the rest of a line that was too long

    @property
    def test_fds(self) -> tuple[int, ...]:
        """The test process inherits no descriptor of the link: it opens it by path."""
        return ()

    def test_env(self) -> dict[str, str]:
        return {"GRADER_LINK_DIR": self.dir}

    def started(self, out_fd: int) -> None:
        """``out_fd``: the test process's output pipe, which the candidate processes share."""
        self.out_fd = out_fd

    def use_env(self, env: dict[str, str]) -> None:
        """The services' variables, for the processes started from now on."""
        self.env = candidate_env(env)

    def serve(self) -> bool:
        """Read what the test process wrote (one read: the loop calls again if there is
        more) and answer each complete line; False if the FIFO failed."""
        try:
            data = os.read(self.our_fd, 4096)
        except BlockingIOError:
            return True
        except OSError:
            return False
        for line in self._lines(data):
            self._request(line)
        return True

    def _lines(self, data: bytes) -> list[bytes]:
        """The complete lines so far; a line longer than MAX_LINE is dropped whole, the
        rest of it too when it comes in a later read."""
        self.buffer += data
        *lines, rest = self.buffer.split(b"\n")
        self.buffer = bytearray(rest)
        complete: list[bytes] = []
        for line in lines:
            if not self.skipping and len(line) <= MAX_LINE:
                complete.append(bytes(line))
            self.skipping = False
        if len(self.buffer) > MAX_LINE:
            self.buffer.clear()
            self.skipping = True
        return complete

    def _request(self, line: bytes) -> None:
        match = SPAWN.fullmatch(line)
        if match is None or match.group(1).decode() in self.served:
            # Nothing to answer, or answered already (its t has a writer: a refusal
            # would land among that candidate's frames).
            return
        link_id = match.group(1).decode()
        self.served.add(link_id)
        if self.spawned >= MAX_CANDIDATE_PROCESSES:
            self._refuse(link_id, f"at most {MAX_CANDIDATE_PROCESSES} candidate processes")
            return
        try:
            self._start(link_id)
        except (OSError, subprocess.SubprocessError) as exc:
            # No pid or memory left (the candidate's own processes can fill the pids
            # limit), or FIFOs that are not the test process's: this test fails, the run
            # goes on.
            self._refuse(link_id, f"no candidate process: {exc}")

    def _path(self, link_id: str, end: str) -> str:
        return os.path.join(self.dir, f"{link_id}.{end}")

    def _start(self, link_id: str) -> None:
        if self.out_fd is None:  # else the candidate would inherit PID 1's stdout: the frame's
            raise OSError(errno.EBADF, "the test process has not started")
        fds: list[int] = []
        try:
            with effective_uid(GRADER_UID):
                c, t = self._path(link_id, "c"), self._path(link_id, "t")
                self._check(c)
                self._check(t)
                fds.append(self._open(c, os.O_RDONLY, blocking=True))  # fd_sync
                fds.append(self._open(c, os.O_RDONLY, blocking=False))  # fd_async
                fds.append(self._open(c, os.O_RDWR, blocking=True))  # fd_keep
                # T holds readers of t, so a writer opens without ENXIO.
                fds.append(self._open(t, os.O_WRONLY, blocking=True))  # fd_out
            fd_sync, fd_async, fd_keep, fd_out = fds
            order = (fd_sync, fd_async, fd_out, fd_keep)
            child = start_candidate([*self.host, *map(str, order)], self.env, self.out_fd, order)
        finally:
            for fd in fds:
                os.close(fd)
        self.children.append(child)
        self.spawned += 1

    def _check(self, path: str) -> None:
        info = os.lstat(path)
        if not stat.S_ISFIFO(info.st_mode) or info.st_uid != self.owner:
            raise LinkRefused(errno.EPERM, "not a FIFO of the test process", path)

    def _open(self, path: str, flags: int, blocking: bool) -> int:
        """Open never blocks (O_NONBLOCK), follows no symlink, and what it opened must
        still be the test process's FIFO (not swapped since the lstat)."""
        fd = os.open(path, flags | os.O_NONBLOCK | os.O_NOFOLLOW)
        info = os.fstat(fd)
        if not stat.S_ISFIFO(info.st_mode) or info.st_uid != self.owner:
            os.close(fd)
            raise LinkRefused(errno.EPERM, "not a FIFO of the test process", path)
        os.set_blocking(fd, blocking)
        return fd

    def _refuse(self, link_id: str, reason: str) -> None:
        """Write the refusal to t, if t is a FIFO of the test process's with a reader; a
        frame of less than PIPE_BUF into a fresh pipe is written whole or not at all, and
        the descriptor stays non-blocking, so PID 1 never waits on it."""
        try:
            with effective_uid(GRADER_UID):
                self._check(self._path(link_id, "t"))
                fd = self._open(self._path(link_id, "t"), os.O_WRONLY, blocking=False)
        except OSError:
            return  # no t, no reader, or not the test process's: nobody to answer
        try:
            os.write(fd, refusal(reason[:MAX_LINE]))
        except OSError:
            pass
        finally:
            os.close(fd)

    def close(self) -> None:
        """The link's end: no more requests; the folder and what is left in it go."""
        if self.out_fd is not None:
            os.close(self.out_fd)
            self.out_fd = None
        if self.our_fd >= 0:
            os.close(self.our_fd)
            self.our_fd = -1
        with effective_uid(GRADER_UID):
            shutil.rmtree(self.dir, ignore_errors=True)  # never follows a symlink
        for child in self.children:
            child.returncode = 0  # reaped by PID 1's own loop; keep Popen from waiting again
