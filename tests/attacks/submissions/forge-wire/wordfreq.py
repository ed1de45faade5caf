"""Attack: forge the wire itself.

Writes, on the candidate process's socket, replies it was never asked for:
results for request ids ahead of the real ones, handles "back" to objects the
trusted side never handed out, malformed frames, and values tagged with kinds
that do not exist. A forged reply can only be a value the candidate could
have returned anyway; everything else is a protocol error, and the test fails.
"""

import json
import os
import socket
import struct


def _send(sock, message):
    data = json.dumps(message).encode()
    sock.sendall(struct.pack(">I", len(data)) + data)


def _socket():
    for fd in range(3, 64):
        try:
            sock = socket.socket(fileno=os.dup(fd))
            if sock.family == socket.AF_UNIX:
                return sock
        except OSError:
            continue
    return None


def count_words(text):
    sock = _socket()
    if sock is not None:
        for request_id in range(1, 200):
            _send(sock, {"re": request_id, "ok": {"$": "back", "id": request_id}})
        _send(sock, {"re": 10**6, "ok": {"$": "no-such-kind", "v": 1}})
        sock.sendall(struct.pack(">I", 12) + b"not json!!!!")
    raise NotImplementedError


def top_words(text, n):
    return count_words(text)
