"""Deterministic access-log generator for the hidden tests (not a test module)."""

from __future__ import annotations

import random

ENDPOINTS = [
    ("GET", "/api/users/{id}"), ("GET", "/api/users"), ("POST", "/api/users"),
    ("GET", "/api/users/{id}/orders"), ("GET", "/api/orders/{id}"), ("POST", "/api/orders"),
    ("PUT", "/api/orders/{id}"), ("DELETE", "/api/orders/{id}"), ("GET", "/api/products"),
    ("GET", "/api/products/{id}"), ("GET", "/api/products/{id}/reviews"),
    ("POST", "/api/products/{id}/reviews"), ("GET", "/api/search"), ("GET", "/health"),
    ("GET", "/api/cart"), ("POST", "/api/cart/items"), ("DELETE", "/api/cart/items/{id}"),
    ("POST", "/api/checkout"), ("GET", "/api/reports/daily"), ("GET", "/api/reports/{id}/export"),
    ("POST", "/api/login"), ("POST", "/api/logout"), ("GET", "/static/app.js"),
    ("GET", "/api/v2/inventory/{id}/stock"),
]
STATUSES = [200] * 70 + [201] * 5 + [204] * 5 + [301] * 2 + [400] * 5 + [404] * 6 + \
    [500] * 4 + [503] * 3


def generate(path, lines: int, seed: int, endpoints=ENDPOINTS, latency_range=None,
             malformed_every: int = 0) -> None:
    """Write `lines` log lines. Each endpoint gets its own latency band, so p95s differ.

    latency_range=(lo, hi) draws every latency uniformly from [lo, hi] instead.
    malformed_every=n replaces every n-th line by a malformed one.
    """
    rng = random.Random(seed)
    n_endpoints = len(endpoints)
    weights = [rng.randint(1, 20) for _ in range(n_endpoints)]
    bands = []
    for _ in range(n_endpoints):
        base = rng.choice([4, 10, 25, 60, 120, 250, 400])
        bands.append((base, base * rng.choice([2, 3, 5, 8])))
    which = rng.choices(range(n_endpoints), weights, k=lines)
    statuses = rng.choices(STATUSES, k=lines)
    chunk = []
    with open(path, "w", encoding="utf-8") as out:
        for i in range(lines):
            if malformed_every and i % malformed_every == malformed_every - 1:
                chunk.append(rng.choice(["", "garbage", "2024-05-01T00:00:00Z GET /x 200",
                                         "2024-05-01T00:00:00Z GET /x two-hundred 12",
                                         "2024-05-01T00:00:00Z GET /x 200 12ms",
                                         "2024-05-01T00:00:00Z GET /x 200 -3"]))
                continue
            e = which[i]
            method, template = endpoints[e]
            path_ = template.replace("{id}", str(rng.randrange(1, 100_000))) \
                if "{id}" in template else template
            if i % 5 == 0:
                path_ += f"?page={i % 9 + 1}"
            lo, hi = latency_range or bands[e]
            if latency_range is None and i % 40 == 0:
                hi *= 6  # a slow tail
            latency = rng.randint(lo, hi)
            chunk.append(f"2024-05-01T{i // 3_600_000 % 24:02d}:{i // 60_000 % 60:02d}:"
                         f"{i // 1000 % 60:02d}.{i % 1000:03d}Z {method} {path_} "
                         f"{statuses[i]} {latency}")
            if len(chunk) >= 10_000:
                out.write("\n".join(chunk) + "\n")
                chunk.clear()
        if chunk:
            out.write("\n".join(chunk) + "\n")


def reference_stats(path, k: int = 10, min_count: int = 1):
    """Straightforward (memory-hungry) computation of the expected report."""
    per: dict[str, list[int]] = {}
    errors: dict[str, int] = {}
    total = malformed = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            total += 1
            parts = line.split()
            if len(parts) != 5 or not (parts[3].isascii() and parts[3].isdigit()) \
                    or not (parts[4].isascii() and parts[4].isdigit()) \
                    or not 100 <= int(parts[3]) <= 599:
                malformed += 1
                continue
            _, method, raw, status, latency = parts
            segments = raw.split("?")[0].split("/")
            key = method + " " + "/".join("{id}" if s.isdigit() else s for s in segments)
            per.setdefault(key, []).append(int(latency))
            errors[key] = errors.get(key, 0) + (int(status) >= 500)
    rows = []
    for key, values in per.items():
        if len(values) < min_count:
            continue
        values.sort()
        n = len(values)
        p50, p95, p99 = (values[(p * n + 99) // 100 - 1] for p in (50, 95, 99))
        rows.append((key, n, errors[key], p50, p95, p99, values[-1]))
    rows.sort(key=lambda r: (-r[4], -r[1], r[0]))
    return total, malformed, rows[:k]
