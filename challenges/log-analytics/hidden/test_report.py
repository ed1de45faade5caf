"""The numbers are right."""

from loggen import generate, reference_stats

from loganalytics import EndpointStats, analyze, normalize_endpoint


def row(s):
    return (s.endpoint, s.count, s.errors, s.p50_ms, s.p95_ms, s.p99_ms, s.max_ms)


def test_small_log_report(write_log):
    path = write_log(
        "2024-05-01T10:00:00.000Z GET /api/users/17 200 40",
        "2024-05-01T10:00:00.100Z GET /api/users/942 200 60",
        "2024-05-01T10:00:00.200Z GET /api/users/3?expand=orders 503 900",
        "2024-05-01T10:00:00.300Z POST /api/orders 201 120",
        "2024-05-01T10:00:00.400Z POST /api/orders 500 80",
        "2024-05-01T10:00:00.500Z GET /health 200 2",
    )
    report = analyze(path)
    assert report.total_lines == 6 and report.malformed_lines == 0
    assert report.endpoints == [
        EndpointStats("GET /api/users/{id}", 3, 1, 60, 900, 900, 900),
        EndpointStats("POST /api/orders", 2, 1, 80, 120, 120, 120),
        EndpointStats("GET /health", 1, 0, 2, 2, 2, 2),
    ]


def test_endpoint_normalization():
    assert normalize_endpoint("GET", "/api/users/42") == "GET /api/users/{id}"
    assert normalize_endpoint("GET", "/api/users/42/orders/7?page=2&x=1") == \
        "GET /api/users/{id}/orders/{id}"
    assert normalize_endpoint("DELETE", "/api/v2/items/0012") == "DELETE /api/v2/items/{id}"
    assert normalize_endpoint("GET", "/api/v2/users/abc42") == "GET /api/v2/users/abc42"
    assert normalize_endpoint("POST", "/search?q=123") == "POST /search"
    assert normalize_endpoint("GET", "/") == "GET /"


def test_nearest_rank_percentiles(write_log):
    lines = [f"2024-05-01T10:00:00Z GET /a {200} {v}" for v in range(100, 0, -1)]
    lines += [f"2024-05-01T10:00:00Z GET /b 200 {v}" for v in (5, 1, 3, 2, 4) * 4]
    lines += ["2024-05-01T10:00:00Z GET /c 200 7"]
    stats = {s.endpoint: s for s in analyze(write_log(*lines)).endpoints}
    assert row(stats["GET /a"]) == ("GET /a", 100, 0, 50, 95, 99, 100)
    assert row(stats["GET /b"]) == ("GET /b", 20, 0, 3, 5, 5, 5)
    assert row(stats["GET /c"]) == ("GET /c", 1, 0, 7, 7, 7, 7)


def test_malformed_lines_are_counted_and_skipped(write_log):
    report = analyze(write_log(
        "2024-05-01T10:00:00Z GET /ok 200 10",
        "",
        "complete garbage",
        "2024-05-01T10:00:00Z GET /ok 200",
        "2024-05-01T10:00:00Z GET /ok 200 10 extra",
        "2024-05-01T10:00:00Z GET /ok OK 10",
        "2024-05-01T10:00:00Z GET /ok 200 10ms",
        "2024-05-01T10:00:00Z GET /ok 200 -4",
        "2024-05-01T10:00:00Z GET /ok 200 1.5",
        "2024-05-01T10:00:00Z GET /ok 999 10",
        "2024-05-01T10:00:00Z GET /ok 204 30",
    ))
    assert report.total_lines == 11
    assert report.malformed_lines == 9
    assert [row(s) for s in report.endpoints] == [("GET /ok", 2, 0, 10, 30, 30, 30)]


def test_ranking_ties_k_and_min_count(write_log):
    lines = []
    for endpoint, count in (("GET /b", 3), ("GET /a", 3), ("GET /c", 5), ("GET /d", 1)):
        lines += [f"2024-05-01T10:00:00Z {endpoint} 200 50"] * count
    lines += ["2024-05-01T10:00:00Z GET /slow 200 70"] * 2
    path = write_log(*lines)
    names = lambda report: [s.endpoint for s in report.endpoints]  # noqa: E731
    assert names(analyze(path)) == ["GET /slow", "GET /c", "GET /a", "GET /b", "GET /d"]
    assert names(analyze(path, k=2)) == ["GET /slow", "GET /c"]
    assert names(analyze(path, k=10, min_count=3)) == ["GET /c", "GET /a", "GET /b"]
    assert names(analyze(path, k=0)) == []


def test_empty_log(write_log):
    report = analyze(write_log())
    assert (report.total_lines, report.malformed_lines, report.endpoints) == (0, 0, [])


def test_matches_reference_on_a_generated_log(tmp_path):
    path = tmp_path / "generated.log"
    generate(path, 20_000, seed=2024, malformed_every=101)
    total, malformed, expected = reference_stats(path, k=30, min_count=5)
    report = analyze(path, k=30, min_count=5)
    assert (report.total_lines, report.malformed_lines) == (total, malformed)
    assert [row(s) for s in report.endpoints] == expected
