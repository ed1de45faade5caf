"""scripts/bench_similarity.py in its smallest form: it runs and every figure is there.

The 1 s target is reported by the bench, never asserted here: on a shared
machine absolute figures say little, and this test is about the bench working.
"""

from __future__ import annotations

import json

import pytest

from scripts.bench_similarity import bench, main


def test_the_bench_reports_every_size() -> None:
    results = bench(sizes=(12, 6), runs=2)
    assert results["challenge"] == "todo-api" and results["runs"] == 2
    for size in (6, 12):
        row = results[str(size)]
        assert row["stored"] == size
        for part in ("fingerprint", "query", "per_new_submission"):
            assert 0 < row[part]["median_s"] <= row[part]["max_s"]
        assert row["cold_start_s"] > 0 and row["stored_json_bytes_median"] > 100
    json.dumps(results)


def test_the_command_line_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sizes", "3", "--runs", "1"]) == 0
    out = capsys.readouterr().out
    assert "per new" in out and "[not measured] a similarity check under 1 s" in out
