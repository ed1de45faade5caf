"""Latency analytics over an access log (first version).

It works on the sample log from the wiki, but production logs are millions of
lines and this takes forever and runs out of memory. See the statement.
"""

from __future__ import annotations

import os
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
    """"GET", "/api/users/42/orders?page=2" -> "GET /api/users/{id}/orders"."""
    # TODO: ids and query strings
    return method + " " + path


def _percentile(values: list[int], p: int) -> int:
    ordered = sorted(values)
    return ordered[int(len(ordered) * p / 100)]


def analyze(path: str | os.PathLike[str], k: int = 10, min_count: int = 1) -> Report:
    with open(path) as f:
        lines = f.read().splitlines()

    endpoints: list[str] = []
    for line in lines:
        fields = line.split()
        name = normalize_endpoint(fields[1], fields[2])
        if name not in endpoints:
            endpoints.append(name)

    stats = []
    for name in endpoints:
        latencies = []
        errors = 0
        for line in lines:
            fields = line.split()
            if normalize_endpoint(fields[1], fields[2]) == name:
                latencies.append(int(fields[4]))
                if int(fields[3]) >= 500:
                    errors += 1
        if len(latencies) >= min_count:
            stats.append(EndpointStats(name, len(latencies), errors,
                                       _percentile(latencies, 50), _percentile(latencies, 95),
                                       _percentile(latencies, 99), max(latencies)))
    # TODO: ties
    stats.sort(key=lambda s: s.p95_ms, reverse=True)
    # TODO: malformed lines
    return Report(total_lines=len(lines), malformed_lines=0, endpoints=stats[:k])
