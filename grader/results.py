"""Results stage: the sandbox's saved artifacts -> one typed outcome per hidden test.

Pure: it reads RunArtifacts and what the grader knew beforehand (the expected
test IDs, the tripwires it planted) and decides. Nothing from the sandbox is
trusted as it is: records are type-checked, unknown IDs are ignored, a test
without a result is never ``passed``, and the checks below turn a forged
result into ``tampered``.
"""

from __future__ import annotations

import signal
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from grader.report import Outcome
from grader.sandbox import RunArtifacts
from grader.tripwires import Tripwire

OUTCOMES = frozenset(outcome.value for outcome in Outcome)
MAX_ID = 1000
MAX_MESSAGE = 4000
MAX_NOTES = 50


@dataclass(frozen=True)
class TestOutcome:
    __test__ = False  # not a pytest test class

    id: str
    outcome: Outcome
    duration_s: float = 0.0
    message: str = ""
    # Every run's outcome when the test was rerun (grader/flaky.py); flaky: they differed.
    runs: tuple[Outcome, ...] = ()
    flaky: bool = False


@dataclass
class SuiteResult:
    tests: list[TestOutcome]
    tampered: bool = False
    tamper_reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None  # the suite could not be run at all: an ungradable submission
    # What the audit hooks and the runner check saw (runner/grader_audit.py), for the report.
    integrity_notes: list[dict[str, Any]] = field(default_factory=list)
    runner_timings: dict[str, float] = field(default_factory=dict)  # Java: compile


@dataclass
class _Parsed:
    results: dict[str, TestOutcome] = field(default_factory=dict)
    started: list[str] = field(default_factory=list)
    collect_errors: dict[str, str] = field(default_factory=dict)
    finish_status: int | None = None
    items: list[str] = field(default_factory=list)
    duplicates: int = 0
    malformed: int = 0
    integrity_notes: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # the runner's own (Java: compile)


def _str(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def parse_records(records: Iterable[Any]) -> _Parsed:
    parsed = _Parsed()
    for record in records:
        if not isinstance(record, dict):
            parsed.malformed += 1
            continue
        event, test_id = record.get("event"), _str(record.get("id"), MAX_ID)
        if event == "result" and test_id and record.get("outcome") in OUTCOMES:
            if test_id in parsed.results:
                parsed.duplicates += 1
                continue
            duration = record.get("duration_s")
            parsed.results[test_id] = TestOutcome(
                test_id,
                Outcome(record["outcome"]),
                round(float(duration), 4) if isinstance(duration, int | float) else 0.0,
                _str(record.get("message"), MAX_MESSAGE) or "",
            )
        elif event == "start" and test_id:
            parsed.started.append(test_id)
        elif event == "item" and test_id:
            parsed.items.append(test_id)
        elif event == "collect_error" and test_id is not None:
            parsed.collect_errors[test_id] = _str(record.get("message"), MAX_MESSAGE) or ""
        elif event == "timing":
            parsed.timings.update(
                {
                    str(k).removesuffix("_s")[:40]: round(float(v), 4)
                    for k, v in record.items()
                    if k != "event" and isinstance(v, int | float) and not isinstance(v, bool)
                }
            )
        elif event == "integrity" and isinstance(record.get("notes"), list):
            parsed.integrity_notes += _integrity_notes(record["notes"])
        elif event == "finish" and isinstance(record.get("exitstatus"), int):
            parsed.finish_status = int(record["exitstatus"])
        elif event != "begin":
            parsed.malformed += 1
    return parsed


def _integrity_notes(notes: list[Any]) -> list[dict[str, Any]]:
    """The notes of an ``integrity`` record, as plain fields of bounded size."""
    kept = []
    for note in notes[:MAX_NOTES]:
        if isinstance(note, dict):
            line = note.get("line")
            kept.append(
                {
                    "signal": _str(note.get("signal"), 100) or "",
                    "file": _str(note.get("file"), 300) or "",
                    "line": line if isinstance(line, int) and line >= 0 else 0,
                    "text": _str(note.get("text"), 200) or "",
                    "evidence": note.get("evidence") is True,
                }
            )
    return kept


def collected_ids(artifacts: RunArtifacts) -> tuple[list[str], dict[str, str]]:
    """Test IDs from a collect-only run, and collection errors by file."""
    parsed = parse_records(artifacts.records)
    return parsed.items, parsed.collect_errors


def evaluate(
    artifacts: RunArtifacts,
    expected_ids: list[str],
    tripwires: Iterable[Tripwire] = (),
    runner_status_exact: bool = True,
    every_test_reported: bool = False,
) -> SuiteResult:
    """One outcome per expected test, with the tampering checks.

    ``runner_status_exact``: the runner's own reported exit status must equal
    the process's. True of pytest; Node's runner may legitimately differ.
    ``every_test_reported``: a run that ended normally (exit 0 or 1) reported every
    test of every module that loaded, control tests included (pytest, JUnit).
    """
    tripwires = list(tripwires)
    if artifacts.supervisor_error:
        return SuiteResult(
            tests=[_missing(i, Outcome.ERROR, "the suite could not be run") for i in expected_ids],
            error=f"the sandbox could not run the suite: {artifacts.supervisor_error}",
        )
    parsed = parse_records(artifacts.records)
    why_missing = _why_missing(artifacts, parsed)
    tests = [parsed.results.get(test_id) or why_missing(test_id) for test_id in expected_ids]
    result = SuiteResult(
        tests=tests,
        notes=_notes(artifacts, parsed, expected_ids, tripwires),
        integrity_notes=parsed.integrity_notes[:MAX_NOTES],
        runner_timings=dict(list(parsed.timings.items())[:10]),
    )
    _check_tampering(result, artifacts, parsed, tripwires, runner_status_exact)
    if every_test_reported:
        _check_silenced(result, artifacts, parsed, tripwires)
    return result


def _check_silenced(
    result: SuiteResult, artifacts: RunArtifacts, parsed: _Parsed, tripwires: list[Tripwire]
) -> None:
    """A control test with no result, in a run that ended normally and a module that loaded:
    somebody silenced the reporter and wrote results of their own (a red team's Java
    forger closed the listener's descriptor)."""
    ended_normally = (
        artifacts.frame_found
        and not artifacts.timed_out
        and not artifacts.killed_by_host
        and artifacts.exit_code in (0, 1)
    )
    if not ended_normally:
        return
    for wire in tripwires:
        if wire.id not in parsed.results and wire.id.split("::", 1)[0] not in parsed.collect_errors:
            result.tamper_reasons.append(
                "a control test has no result although the run ended normally"
            )
            result.tampered = True
            return


def _missing(test_id: str, outcome: Outcome, message: str) -> TestOutcome:
    return TestOutcome(test_id, outcome, 0.0, message)


def _why_missing(artifacts: RunArtifacts, parsed: _Parsed) -> Any:
    running = next((t for t in reversed(parsed.started) if t not in parsed.results), None)

    def explain(test_id: str) -> TestOutcome:
        if not artifacts.frame_found:
            if artifacts.oom_killed:
                return _missing(test_id, Outcome.ERROR, "the sandbox ran out of memory")
            if artifacts.killed_by_host:
                return _missing(
                    test_id, Outcome.TIMEOUT, "the sandbox was stopped at the time limit"
                )
            return _missing(
                test_id,
                Outcome.ERROR,
                "the sandbox ended without reporting (its supervisor "
                "was killed or the container died)",
            )
        if artifacts.timed_out:
            if test_id == running:
                return _missing(
                    test_id, Outcome.TIMEOUT, "running when the suite's time limit was reached"
                )
            return _missing(test_id, Outcome.TIMEOUT, "not reached before the suite's time limit")
        path = test_id.split("::", 1)[0]
        if path in parsed.collect_errors:
            return _missing(
                test_id,
                Outcome.ERROR,
                "the test module failed to load:\n" + parsed.collect_errors[path],
            )
        if artifacts.oom_killed or (artifacts.exit_code or 0) < 0:
            return _missing(test_id, Outcome.ERROR, _killed_message(artifacts))
        return _missing(
            test_id, Outcome.ERROR, "the test did not run (the test process ended early)"
        )

    return explain


def _killed_message(artifacts: RunArtifacts) -> str:
    if artifacts.oom_killed:
        return "the test process was killed: out of memory"
    code = artifacts.exit_code or 0
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    return f"the test process was killed by {name}"


def _notes(
    artifacts: RunArtifacts, parsed: _Parsed, expected: list[str], tripwires: list[Tripwire]
) -> list[str]:
    notes = []
    known = set(expected) | {t.id for t in tripwires}
    unknown = [t for t in parsed.results if t not in known]
    if unknown:
        notes.append(
            f"{len(unknown)} result(s) for tests that are not in the hidden suite were ignored"
        )
    if parsed.duplicates:
        notes.append(f"{parsed.duplicates} duplicate result(s) were ignored")
    if artifacts.bad_lines or parsed.malformed:
        notes.append(
            f"{artifacts.bad_lines + parsed.malformed} malformed result record(s) were ignored"
        )
    if artifacts.timed_out or artifacts.killed_by_host:
        notes.append("the hidden suite reached its time limit")
    if artifacts.oom_killed:
        notes.append("the sandbox ran out of memory")
    dropped = artifacts.output.get("dropped_bytes", 0) if artifacts.output else 0
    if dropped:
        notes.append(f"the test output was cut: {dropped} bytes in the middle were dropped")
    return notes


def _check_tampering(
    result: SuiteResult,
    artifacts: RunArtifacts,
    parsed: _Parsed,
    tripwires: list[Tripwire],
    runner_status_exact: bool,
) -> None:
    reasons = result.tamper_reasons
    for wire in tripwires:
        got = parsed.results.get(wire.id)
        if got is not None and wire.contradicted_by(got.outcome):
            reasons.append(
                f"a control test expected to be {wire.expected} was reported {got.outcome}"
            )
    # A tripwire planted first in its module ran before any other test of that module: if
    # one of those has a result and it has none, its result was removed or the results
    # forged. (Tripwires elsewhere may miss legitimately: the process can die mid-module.)
    has_result = {test_id.split("::", 1)[0] for test_id in parsed.results}
    for wire in tripwires:
        if wire.first and wire.id not in parsed.results and wire.id.split("::", 1)[0] in has_result:
            reasons.append("a control test that runs before other reported tests has no result")
            break
    # Writing to the test framework's objects has no honest use (grader_audit's evidence).
    for note in parsed.integrity_notes:
        if note["evidence"]:
            where = f" ({note['file']}:{note['line']})" if note["file"] else ""
            reasons.append(f"the submission patched the test framework{where}: {note['text']}")
            break
    # The runner writes one result per test; a second one is somebody else's.
    if parsed.duplicates:
        reasons.append(f"{parsed.duplicates} test(s) were reported more than once")
    completed = artifacts.frame_found and not artifacts.timed_out and not artifacts.killed_by_host
    must_fail = any(w.expected == "failed" for w in tripwires)
    if completed and must_fail and artifacts.exit_code == 0:
        reasons.append("the test process exited with success although a test must have failed")
    if (
        runner_status_exact
        and completed
        and parsed.finish_status is not None
        and artifacts.exit_code is not None
        and artifacts.exit_code >= 0
        and parsed.finish_status != artifacts.exit_code
    ):
        reasons.append(
            f"the test process exited with {artifacts.exit_code} but its runner "
            f"reported {parsed.finish_status}"
        )
    result.tampered = bool(reasons)
