"""Latency analytics over an access log, written independently of the catalogue's solution.

One pass over the file, line by line. Each endpoint keeps a histogram of its
latencies (latency -> how many times), so memory follows the number of
distinct (endpoint, latency) values, not the number of lines; percentiles are
read off the histogram by nearest rank. The best k are picked with a heap.
"""

from __future__ import annotations

import heapq
import os
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class EndpointStats:
    endpoint: str  # "GET /api/users/{id}"
    count: int
    errors: int  # responses with status >= 500
    p50_ms: int
    p95_ms: int
    p99_ms: int
    max_ms: int


@dataclass(frozen=True)
class Report:
    total_lines: int
    malformed_lines: int
    endpoints: list[EndpointStats]


def normalize_endpoint(method: str, path: str) -> str:
    """ "GET", "/api/users/42/orders?page=2" -> "GET /api/users/{id}/orders"."""
    bare = path.partition("?")[0]
    parts = ["{id}" if piece.isdigit() else piece for piece in bare.split("/")]
    return f"{method} {'/'.join(parts)}"


def _whole_number(text: str) -> int | None:
    if text.isascii() and text.isdigit():
        return int(text)
    return None


class _Tally:
    __slots__ = ("errors", "histogram", "seen")

    def __init__(self) -> None:
        self.seen = 0
        self.errors = 0
        self.histogram: Counter[int] = Counter()

    def note(self, status: int, latency: int) -> None:
        self.seen += 1
        self.histogram[latency] += 1
        if status >= 500:
            self.errors += 1

    def ranks(self, *percents: int) -> list[int]:
        """The nearest-rank percentiles, then the largest value."""
        wanted = [(p * self.seen + 99) // 100 for p in percents]
        found: list[int] = []
        running = 0
        for latency in sorted(self.histogram):
            running += self.histogram[latency]
            while len(found) < len(wanted) and running >= wanted[len(found)]:
                found.append(latency)
        return [*found, max(self.histogram)]


def _parse(line: str) -> tuple[str, int, int] | None:
    """(endpoint, status, latency) of a well-formed line, else None."""
    fields = line.split()
    if len(fields) != 5:
        return None
    status, latency = _whole_number(fields[3]), _whole_number(fields[4])
    if status is None or latency is None or not (100 <= status < 600):
        return None
    return normalize_endpoint(fields[1], fields[2]), status, latency


def analyze(path: str | os.PathLike[str], k: int = 10, min_count: int = 1) -> Report:
    tallies: dict[str, _Tally] = {}
    lines = broken = 0
    with open(path, encoding="utf-8") as log:
        for line in log:
            lines += 1
            parsed = _parse(line)
            if parsed is None:
                broken += 1
                continue
            endpoint, status, latency = parsed
            tally = tallies.get(endpoint)
            if tally is None:
                tally = tallies[endpoint] = _Tally()
            tally.note(status, latency)
    rows = []
    for endpoint, tally in tallies.items():
        if tally.seen >= min_count:
            p50, p95, p99, top = tally.ranks(50, 95, 99)
            rows.append(EndpointStats(endpoint, tally.seen, tally.errors, p50, p95, p99, top))
    best = heapq.nsmallest(max(k, 0), rows, key=lambda s: (-s.p95_ms, -s.count, s.endpoint))
    return Report(total_lines=lines, malformed_lines=broken, endpoints=best)
