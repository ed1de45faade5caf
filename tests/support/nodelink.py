"""What the Node link's tests share: stand-ins for both ends of runner/supervise_nodelink.py.

``FAKE_CANDIDATE`` plays node_candidate.cjs (hello, then an echo of every frame)
and ``FAKE_TEST_PROCESS`` a test child that node_trusted.cjs would drive (the
handshake in GRADER_LINK_DIR, one round trip, a results record), both in
Python. ``PYTHON`` runs them: as root they run under the sandbox's uids, which
cannot reach an interpreter under /root.
"""

from __future__ import annotations

import json
import os
import select
import struct
import sys
from typing import Any

PYTHON = "/usr/bin/python3" if os.geteuid() == 0 else sys.executable

FRAMES = r"""
import json, os, struct, sys

def send(fd, message):
    body = json.dumps(message).encode()
    os.write(fd, struct.pack(">I", len(body)) + body)

def read(fd, size):
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            return None
        data += chunk
    return data

def receive(fd):
    head = read(fd, 4)
    return None if head is None else json.loads(read(fd, struct.unpack(">I", head)[0]))
"""

FAKE_CANDIDATE = (
    FRAMES
    + r"""
fd_sync, fd_async, fd_out, fd_keep = map(int, sys.argv[1:5])
print("candidate output", flush=True)
send(fd_out, {"op": "hello", "pid": os.getpid(), "uid": os.getuid(), "cwd": os.getcwd(),
              "env": dict(os.environ),
              "blocking": [os.get_blocking(fd_sync), os.get_blocking(fd_async)]})
message = receive(fd_sync)
os.close(fd_keep)
while message is not None:
    send(fd_out, {"op": "echo", "got": message})
    message = receive(fd_sync)
"""
)

FAKE_TEST_PROCESS = (
    FRAMES
    + r"""
import secrets, stat
folder = os.environ["GRADER_LINK_DIR"]
link = secrets.token_hex(16)
c, t = (os.path.join(folder, f"{link}.{end}") for end in "ct")
os.mkfifo(c, 0o600)
os.mkfifo(t, 0o600)
hold = os.open(t, os.O_RDWR)
sync = os.open(t, os.O_RDONLY)
events = os.open(t, os.O_RDONLY | os.O_NONBLOCK)
spawn = os.open(os.path.join(folder, "spawn"), os.O_WRONLY)
os.write(spawn, f"spawn {link}\n".encode())
hello = receive(sync)
os.close(hold)
to_candidate = os.open(c, os.O_WRONLY)
os.unlink(c)
os.unlink(t)
send(to_candidate, {"op": "ping"})
echo = receive(sync)
record = {"event": "probe", "uid": os.getuid(), "hello_uid": hello["uid"], "echo": echo,
          "folder_mode": stat.S_IMODE(os.stat(folder).st_mode)}
with open(sys.argv[1], "w") as results:
    results.write(json.dumps(record) + "\n")
"""
)


def read_frame(fd: int, timeout: float = 10.0) -> dict[str, Any] | None:
    """One frame from a blocking descriptor; None if nothing came within ``timeout``."""
    if not select.select([fd], [], [], timeout)[0]:
        return None
    head = os.read(fd, 4)
    assert len(head) == 4, head
    size = struct.unpack(">I", head)[0]
    body = b""
    while len(body) < size:
        body += os.read(fd, size - len(body))
    message: dict[str, Any] = json.loads(body)
    return message


def write_frame(fd: int, message: dict[str, Any]) -> None:
    body = json.dumps(message).encode()
    os.write(fd, struct.pack(">I", len(body)) + body)
