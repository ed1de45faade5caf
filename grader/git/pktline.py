"""git's pkt-line framing, as the smart HTTP protocol speaks it to a pushing client.

Reads the command list at the head of a receive-pack request, and writes the
packets the grader sends back: an ``ERR`` line, sideband data, and a
report-status that refuses every ref with a reason ``git push`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from grader.errors import BadInput

FLUSH = b"0000"
SIDEBAND_MAX = {"side-band-64k": 65515, "side-band": 995}  # data bytes per packet


def pkt(data: bytes) -> bytes:
    return f"{len(data) + 4:04x}".encode() + data


@dataclass(frozen=True)
class PushCommand:
    old: str
    new: str
    ref: str


@dataclass(frozen=True)
class PushRequest:
    commands: tuple[PushCommand, ...]
    capabilities: frozenset[str]

    def sideband_limit(self) -> int | None:
        for name, limit in SIDEBAND_MAX.items():
            if name in self.capabilities:
                return limit
        return None

    def band(self, channel: int, data: bytes) -> bytes:
        """``data`` on a sideband channel when the client asked for one, else as it is."""
        limit = self.sideband_limit()
        if limit is None:
            return data if channel == 1 else b""
        chunks = [data[i : i + limit] for i in range(0, len(data), limit)]
        return b"".join(pkt(bytes([channel]) + chunk) for chunk in chunks)


def read_push_request(body: IO[bytes]) -> PushRequest:
    """The command list at the head of a receive-pack request; ``body`` is rewound."""
    commands: list[PushCommand] = []
    capabilities: frozenset[str] = frozenset()
    while (line := _read_pkt(body)) is not None:
        line, _, caps = line.partition(b"\0")
        if caps:
            capabilities = frozenset(caps.decode(errors="replace").split())
        fields = line.decode(errors="replace").split()
        if len(fields) == 3:  # "old new ref"; "shallow <sha>" lines carry no update
            commands.append(PushCommand(*fields))
    body.seek(0)
    return PushRequest(tuple(commands), capabilities)


def _read_pkt(body: IO[bytes]) -> bytes | None:
    """One pkt-line's payload; None at a flush packet or the end of the stream."""
    header = body.read(4)
    try:
        size = int(header, 16) if len(header) == 4 else 0
    except ValueError:
        raise BadInput("malformed git request") from None
    if size < 4:
        return None
    return body.read(size - 4)


def refusal(request: PushRequest, reason: str) -> bytes:
    """A report-status that refuses every ref with ``reason``; git prints each line."""
    status = pkt(b"unpack refused by the grader\n")
    for command in request.commands:
        status += pkt(f"ng {command.ref} {reason}\n".encode())
    status += FLUSH
    if request.sideband_limit() is not None:
        return request.band(2, f"error: {reason}\n".encode()) + request.band(1, status) + FLUSH
    if "report-status" in request.capabilities:
        return status
    return pkt(f"ERR {reason}\n".encode())  # a client that asked for no report still prints this
