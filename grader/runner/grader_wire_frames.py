"""The wire's framing and errors: length-prefixed JSON messages over a socket.

Part of the wire (grader_wire.py), imported by both sides. A message is a
4-byte big-endian length and that many bytes of JSON; a length over
``MAX_MESSAGE`` or bytes that are not JSON end the link with ``WireError``,
and a closed socket with ``PeerGone``. Nothing received is ever executed.
"""

from __future__ import annotations

import json
import socket
import struct
from typing import Any

MAX_MESSAGE = 256 << 20
_LENGTH = struct.Struct(">I")


class WireError(Exception):
    """The other side broke the protocol, or went away."""


class PeerGone(WireError):
    """The other process ended (crashed, exited, was killed)."""


class RemoteError(Exception):
    """An exception raised on the other side that could not be rebuilt locally."""


# --------------------------------------------------------------------------- framing


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise PeerGone("the other process closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def send_message(sock: socket.socket, message: Any) -> None:
    data = json.dumps(message, separators=(",", ":")).encode()
    sock.sendall(_LENGTH.pack(len(data)) + data)


def recv_message(sock: socket.socket) -> Any:
    (size,) = _LENGTH.unpack(_recv_exactly(sock, _LENGTH.size))
    if size > MAX_MESSAGE:
        raise WireError(f"a message of {size} bytes is over the limit")
    try:
        return json.loads(_recv_exactly(sock, size))
    except (ValueError, RecursionError) as exc:
        raise WireError(f"a message that is not valid JSON: {exc}") from exc
