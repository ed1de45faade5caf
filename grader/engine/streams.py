"""Docker's multiplexed attach stream, read to its end with a bounded memory."""

from __future__ import annotations

import socket
import struct
import threading

_STREAM_HEADER = struct.Struct(">BxxxL")


class BoundedStreamReader(threading.Thread):
    """Reads the multiplexed attach stream to its end, keeping only the last ``limit`` bytes.

    The supervisor writes its frame last, so keeping the tail keeps the frame
    even if something floods the stream before it.
    """

    def __init__(self, sock: socket.socket, limit: int) -> None:
        super().__init__(daemon=True)
        self._sock = sock
        self._limit = limit
        self.data = bytearray()
        self.dropped = 0
        self._pending = bytearray()

    def run(self) -> None:
        self._sock.settimeout(None)
        while True:
            try:
                chunk = self._sock.recv(1 << 16)
            except OSError:
                return
            if not chunk:
                return
            self._pending += chunk
            self._demux()

    def _demux(self) -> None:
        while len(self._pending) >= _STREAM_HEADER.size:
            _stream, size = _STREAM_HEADER.unpack_from(self._pending)
            if len(self._pending) < _STREAM_HEADER.size + size:
                return
            self.data += self._pending[_STREAM_HEADER.size : _STREAM_HEADER.size + size]
            del self._pending[: _STREAM_HEADER.size + size]
            if len(self.data) > self._limit:
                cut = len(self.data) - self._limit
                self.dropped += cut
                del self.data[:cut]
