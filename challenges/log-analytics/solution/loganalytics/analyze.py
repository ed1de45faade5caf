"""Latency analytics over an access log, in one streaming pass.

Memory is bounded by the number of endpoints times the number of distinct
latency values, never by the number of lines: each endpoint keeps a histogram
(latency in ms -> how many requests took that long), from which exact
nearest-rank percentiles are read once at the end.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from typing import TextIO

PERCENTILES = (50, 95, 99)


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
    """"GET", "/api/users/42/orders?page=2" -> "GET /api/users/{id}/orders"."""
    path = path.split("?", 1)[0]
    return method + " " + "/".join("{id}" if part.isdigit() else part for part in path.split("/"))


class _Endpoint:
    __slots__ = ("count", "errors", "histogram")

    def __init__(self) -> None:
        self.count = 0
        self.errors = 0
        self.histogram: Counter[int] = Counter()

    def stats(self, endpoint: str) -> EndpointStats:
        values = sorted(self.histogram.items())
        ranks = [(p * self.count + 99) // 100 for p in PERCENTILES]  # nearest rank, exact
        found = []
        seen = 0
        position = 0
        for rank in ranks:
            while seen < rank:
                seen += values[position][1]
                position += 1
            found.append(values[position - 1][0])
        return EndpointStats(endpoint, self.count, self.errors, *found, max_ms=values[-1][0])


def _parse_int(text: str) -> int | None:
    return int(text) if text.isdigit() and text.isascii() else None


def _scan(lines: TextIO) -> tuple[int, int, dict[str, _Endpoint]]:
    endpoints: dict[str, _Endpoint] = {}
    total = malformed = 0
    for line in lines:
        total += 1
        fields = line.split()
        if len(fields) != 5:
            malformed += 1
            continue
        _, method, path, status_text, latency_text = fields
        status, latency = _parse_int(status_text), _parse_int(latency_text)
        if status is None or latency is None or not 100 <= status <= 599:
            malformed += 1
            continue
        key = normalize_endpoint(method, path)
        entry = endpoints.get(key)
        if entry is None:
            entry = endpoints[key] = _Endpoint()
        entry.count += 1
        if status >= 500:
            entry.errors += 1
        entry.histogram[latency] += 1
    return total, malformed, endpoints


def analyze(path: str | os.PathLike[str], k: int = 10, min_count: int = 1) -> Report:
    """The k endpoints with the highest p95 latency among those seen at least min_count times.

    Ranked by p95 descending, then count descending, then endpoint name ascending.
    """
    if k < 0 or min_count < 1:
        raise ValueError("k must be >= 0 and min_count >= 1")
    with open(path, encoding="utf-8", errors="replace") as lines:
        total, malformed, endpoints = _scan(lines)
    stats = [entry.stats(name) for name, entry in endpoints.items() if entry.count >= min_count]
    stats.sort(key=lambda s: (-s.p95_ms, -s.count, s.endpoint))
    return Report(total_lines=total, malformed_lines=malformed, endpoints=stats[:k])
