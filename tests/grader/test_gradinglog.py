"""grader.gradinglog: the log of a real run without the grader's control tests."""

from __future__ import annotations

import json
from typing import Any

from grader import gradinglog, tripwires
from grader.config import PROJECT_ROOT
from grader.tripwires import CONTROL, Tripwire

GOLDEN = PROJECT_ROOT / "tests" / "golden" / "word-frequency" / "complete" / "artifacts.json"


def scrubbed_golden_output() -> dict[str, Any]:
    """The output of a real run of a complete solution, as a report stores it (names scrubbed)."""
    saved = json.loads(GOLDEN.read_text())
    wires = [Tripwire(w["id"], w["expected"]) for w in saved["tripwires"]]
    return tripwires.scrub(saved["artifacts"]["output"], wires)


ELEVEN_PASSED = [{"id": f"hidden/test_basic.py::test_{i}", "outcome": "passed"} for i in range(11)]


def test_a_run_that_passed_11_of_11_reads_11_passed() -> None:
    output = scrubbed_golden_output()
    assert "1 failed, 12 passed" in output["head"] and CONTROL in output["head"]  # as stored

    log = gradinglog.clean(output, ELEVEN_PASSED)

    assert CONTROL not in log.head
    assert "failed" not in log.head and "FAILURES" not in log.head
    assert "assert sum(values) == 1870" not in log.head  # a mirror's source
    assert "........... [report's outcomes, in order]" in log.head
    assert "11 passed, 1 warning in 1.37s [grader: the report's counts]" in log.head
    assert log.summary == "11 passed" and log.left_out == 5
    assert log.head.startswith("[grader] 5 line(s) about the grader's control tests were left out")
    assert "PytestConfigWarning" in log.head  # the rest is kept


def test_cleaning_twice_changes_nothing() -> None:
    once = gradinglog.clean(scrubbed_golden_output(), ELEVEN_PASSED)
    twice = gradinglog.clean({"head": once.head, "tail": once.tail}, ELEVEN_PASSED)
    assert twice.head == once.head and twice.left_out == 0


def test_the_counts_are_the_reports_in_pytests_order() -> None:
    tests = [{"outcome": o} for o in ("passed", "failed", "timeout", "passed", "error")]
    output = {"head": "..FTE.  [100%]\n3 failed, 3 passed in 60.01s\n", "tail": ""}
    log = gradinglog.clean(output, tests)
    assert ".FT.E [report's outcomes, in order]" in log.head
    assert "1 failed, 2 passed, 1 error, 1 timeout in 60.01s" in log.head


def test_another_runners_lines_about_control_tests_are_dropped() -> None:
    head = f"JUnit run\n  {CONTROL} FAILED\n  countsWords() PASSED\n"
    log = gradinglog.clean({"head": head, "tail": "", "dropped_bytes": 7}, [])
    assert CONTROL not in log.head and "countsWords() PASSED" in log.head
    assert log.left_out == 1 and log.dropped_bytes == 7
