"""Time and memory budgets, each measured against a baseline in the same process.

Each measurement runs in a child process with a kill switch, so a hopelessly
slow submission fails its test instead of stalling the whole suite.
"""

import json
import os
import subprocess
import sys

import pytest

TIME_FACTOR = 40  # analyze may take this many times a bare read-and-split pass
MEMORY_BUDGET = 384 * 1024  # bytes: peak Python allocations on the 20 000-line log
KILL_AFTER_S = 15

CHILD = r"""
import gc, json, sys, time, tracemalloc
from loganalytics import analyze

mode, path = sys.argv[1], sys.argv[2]
k, min_count, factor = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])

def baseline():
    fields = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields += len(line.split())
    return fields

def timed(fn):
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result

run = lambda: analyze(path, k=k, min_count=min_count)
if mode == "time":
    base = min(timed(baseline)[0] for _ in range(5))
    elapsed, report = timed(run)
    for _ in range(2):  # retries, in case the machine hiccuped
        if elapsed <= factor * base:
            break
        base = min(base, timed(baseline)[0])
        elapsed = min(elapsed, timed(run)[0])
    out = {"baseline": base, "elapsed": elapsed}
else:
    gc.collect()
    tracemalloc.start()
    report = run()
    out = {"peak": tracemalloc.get_traced_memory()[1]}
    tracemalloc.stop()
out.update(total=report.total_lines, endpoints=len(report.endpoints))
print("\n" + json.dumps(out))
"""


def _measure(mode, path, k, min_count):
    try:
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, mode, str(path), str(k), str(min_count), str(TIME_FACTOR)],
            cwd=os.getcwd(), capture_output=True, text=True, timeout=KILL_AFTER_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"analyze did not finish within {KILL_AFTER_S}s (a good solution needs "
                    f"well under a second here)")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _check_time(result, what):
    base, elapsed = result["baseline"], result["elapsed"]
    assert elapsed <= TIME_FACTOR * base, (
        f"{what}: analyze took {elapsed:.3f}s, {elapsed / base:.1f}x a plain read-and-split "
        f"pass over the same file ({base:.3f}s); the budget is {TIME_FACTOR}x")


def test_runtime_is_a_single_cheap_pass(big_log):
    result = _measure("time", big_log, k=5, min_count=1)
    assert result["total"] == 80_000 and result["endpoints"] == 5
    _check_time(result, "80 000 lines, 24 endpoints")


def test_runtime_does_not_depend_on_the_number_of_endpoints(wide_log):
    result = _measure("time", wide_log, k=10, min_count=2)
    assert result["total"] == 40_000 and result["endpoints"] == 10
    _check_time(result, "40 000 lines, 3 000 endpoints")


def test_peak_memory_does_not_grow_with_the_log(narrow_log):
    result = _measure("memory", narrow_log, k=3, min_count=1)
    assert result["total"] == 20_000 and result["endpoints"] == 3
    peak = result["peak"]
    assert peak <= MEMORY_BUDGET, (
        f"analyze allocated up to {peak / 1024:.0f} KiB on a 20 000-line log with 4 endpoints; "
        f"the budget is {MEMORY_BUDGET // 1024} KiB: memory must not grow with the number of lines")
