"""validate()'s run with every core busy, behind the Sandbox seam (no Docker): a timing
test that passes alone and fails on a loaded machine is the author's problem."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader import validate as validation
from grader.challenge import load_challenge
from grader.config import Settings
from grader.images import SandboxImage
from grader.prepare import PreparedChallenge
from grader.report import Outcome
from grader.results import SuiteResult, TestOutcome
from grader.sandbox import RunArtifacts, SandboxJob
from tests.conftest import WORD_FREQUENCY

BASIC = "hidden/test_basic.py::test_empty_text_has_no_words"
PERF = "hidden/test_perf.py::test_large_text_is_counted_in_linear_time"


def busy_loops() -> int:
    """This process's children that are busy loops (what busy_cores starts)."""
    count = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and b"while True: pass" in cmdline:
            count += 1
    return count


class LoadSensitiveSandbox:
    """Records how many busy loops ran beside each run; the 'suite' fails its timing test
    when they did."""

    def __init__(self) -> None:
        self.loops: list[int] = []

    def run(self, job: SandboxJob) -> RunArtifacts:
        self.loops.append(busy_loops())
        return RunArtifacts(frame_found=True)


def evaluate_by_load(sandbox: LoadSensitiveSandbox, timing_holds: bool):  # type: ignore[no-untyped-def]
    def evaluate_run(challenge: object, test_ids: list[str], *_: object) -> SuiteResult:
        loaded = sandbox.loops[-1] > 0
        perf = Outcome.FAILED if loaded and not timing_holds else Outcome.PASSED
        message = "AssertionError: 1.32s vs baseline 0.040s" if perf == Outcome.FAILED else ""
        return SuiteResult(
            tests=[TestOutcome(BASIC, Outcome.PASSED), TestOutcome(PERF, perf, 1.3, message)]
        )

    return evaluate_run


def prepared(ids: list[str]) -> PreparedChallenge:
    image = SandboxImage("grader-python:test", "sha256:" + "1" * 64, "3.11")
    return PreparedChallenge(load_challenge(WORD_FREQUENCY), image, ids)


@pytest.mark.parametrize("timing_holds", [True, False])
def test_a_timing_test_must_hold_with_every_core_busy(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, timing_holds: bool
) -> None:
    sandbox = LoadSensitiveSandbox()
    monkeypatch.setattr(validation, "evaluate_run", evaluate_by_load(sandbox, timing_holds))
    # Only the solution's runs are load-sensitive here: the starter's must not pass.
    monkeypatch.setattr(validation, "_check_starter", lambda *a: None)
    result = validation.validate(
        prepared([BASIC, PERF]), sandbox, settings.model_copy(update={"validate_runs": 2})
    )
    # Two runs alone, one with a busy loop on every core, then the starter's alone.
    assert sandbox.loops == [0, 0, os.cpu_count(), 0]
    assert busy_loops() == 0, "the busy loops outlived the run"
    if timing_holds:
        assert result.problems == []
    else:
        assert result.problems == [
            f"timing: {PERF} passes alone but failed with a busy loop on every core beside it: "
            "its budget is too tight for a loaded machine: "
            "AssertionError: 1.32s vs baseline 0.040s"
        ]


def test_no_busy_run_without_timing_tests_or_when_turned_off(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = LoadSensitiveSandbox()
    monkeypatch.setattr(validation, "evaluate_run", evaluate_by_load(sandbox, True))
    monkeypatch.setattr(validation, "_check_starter", lambda *a: None)
    one_run = settings.model_copy(update={"validate_runs": 1})
    validation.validate(prepared([BASIC]), sandbox, one_run)
    assert sandbox.loops == [0, 0]  # no timing test: the solution once, the starter once
    sandbox.loops.clear()
    quiet = one_run.model_copy(update={"validate_contention": False})
    validation.validate(prepared([BASIC, PERF]), sandbox, quiet)
    assert sandbox.loops == [0, 0]
