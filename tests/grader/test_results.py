"""The results stage decides from saved artifacts alone: no Docker here."""

from typing import Any

import pytest

from grader.results import evaluate
from grader.sandbox import RunArtifacts, parse_frame
from grader.tripwires import Tripwire

A, B, C = "hidden/test_a.py::test_one", "hidden/test_a.py::test_two", "hidden/test_b.py::test_three"
MUST_FAIL = Tripwire("hidden/test_a.py::test_keeps_order", "failed", first=True)
MUST_PASS = Tripwire("hidden/test_b.py::test_counts_zero_4", "passed", first=True)
AT_END = Tripwire("hidden/test_a.py::test_handles_zero", "failed")
MIRROR = Tripwire("hidden/test_a.py::test_one_again", "not-passed")


def result(test_id: str, outcome: str, message: str = "") -> dict[str, Any]:
    return {
        "event": "result",
        "id": test_id,
        "outcome": outcome,
        "duration_s": 0.01,
        "message": message,
    }


def honest(*records: dict[str, Any], exit_code: int = 1) -> RunArtifacts:
    wires = [result(MUST_FAIL.id, "failed"), result(MUST_PASS.id, "passed")]
    return RunArtifacts(
        frame_found=True,
        exit_code=exit_code,
        records=[
            {"event": "begin", "schema": 1},
            *records,
            *wires,
            {"event": "finish", "exitstatus": exit_code},
        ],
    )


def outcomes(artifacts: RunArtifacts, wires: list[Tripwire] | None = None) -> dict[str, str]:
    suite = evaluate(artifacts, [A, B, C], [MUST_FAIL, MUST_PASS] if wires is None else wires)
    return {t.id: t.outcome for t in suite.tests}


def test_honest_run_keeps_each_outcome_and_hides_tripwires() -> None:
    suite = evaluate(
        honest(result(A, "passed"), result(B, "failed", "boom"), result(C, "skipped")),
        [A, B, C],
        [MUST_FAIL, MUST_PASS],
    )
    assert [(t.id, t.outcome) for t in suite.tests] == [
        (A, "passed"),
        (B, "failed"),
        (C, "skipped"),
    ]
    assert suite.tests[1].message == "boom"
    assert not suite.tampered


def test_a_test_without_a_result_is_never_passed() -> None:
    got = outcomes(honest(result(A, "passed")))
    assert got[B] == got[C] == "error"


def test_collection_error_explains_the_missing_tests_of_that_module() -> None:
    artifacts = honest(
        result(A, "passed"),
        result(B, "passed"),
        {
            "event": "collect_error",
            "id": "hidden/test_b.py",
            "message": "ImportError: no module named wordfreq",
        },
    )
    suite = evaluate(artifacts, [A, B, C], [MUST_FAIL, MUST_PASS])
    assert suite.tests[2].outcome == "error"
    assert "ImportError" in suite.tests[2].message


def test_timeout_marks_the_running_test_and_the_unreached_ones() -> None:
    artifacts = RunArtifacts(
        frame_found=True,
        exit_code=-9,
        timed_out=True,
        records=[result(MUST_FAIL.id, "failed"), result(A, "passed"), {"event": "start", "id": B}],
    )
    suite = evaluate(artifacts, [A, B, C], [MUST_FAIL])
    assert [t.outcome for t in suite.tests] == ["passed", "timeout", "timeout"]
    assert "running when" in suite.tests[1].message
    assert "not reached" in suite.tests[2].message
    assert not suite.tampered
    assert "the hidden suite reached its time limit" in suite.notes


def test_no_frame_after_a_host_kill_is_a_timeout_for_all() -> None:
    got = outcomes(RunArtifacts(frame_found=False, killed_by_host=True))
    assert set(got.values()) == {"timeout"}


def test_no_frame_otherwise_is_an_error_for_all() -> None:
    got = outcomes(RunArtifacts(frame_found=False, container_exit=137))
    assert set(got.values()) == {"error"}


def test_out_of_memory_is_named() -> None:
    artifacts = RunArtifacts(
        frame_found=True, exit_code=-9, oom_killed=True, records=[result(A, "passed")]
    )
    suite = evaluate(artifacts, [A, B, C], [MUST_FAIL])
    assert suite.tests[1].outcome == "error"
    assert "out of memory" in suite.tests[1].message


def test_supervisor_error_makes_the_grading_an_error() -> None:
    suite = evaluate(RunArtifacts(frame_found=True, supervisor_error="OSError: no space"), [A], [])
    assert suite.error is not None and "no space" in suite.error
    assert suite.tests[0].outcome == "error"


def test_forged_must_fail_tripwire_is_tampering() -> None:
    artifacts = honest(result(A, "passed"), result(B, "passed"), result(C, "passed"))
    artifacts.records[-3] = result(MUST_FAIL.id, "passed")
    suite = evaluate(artifacts, [A, B, C], [MUST_FAIL, MUST_PASS])
    assert suite.tampered
    assert any("control test" in r for r in suite.tamper_reasons)


def test_exit_status_zero_with_a_must_fail_tripwire_is_tampering() -> None:
    # os._exit(0) at import: no results at all, yet the process "succeeded".
    suite = evaluate(
        RunArtifacts(frame_found=True, exit_code=0, records=[]), [A, B, C], [MUST_FAIL]
    )
    assert suite.tampered
    assert {t.outcome for t in suite.tests} == {"error"}


def test_runner_status_disagreeing_with_exit_status_is_tampering() -> None:
    artifacts = honest(result(A, "passed"), result(B, "passed"), result(C, "passed"), exit_code=1)
    artifacts.exit_code = 3
    assert evaluate(artifacts, [A, B, C], [MUST_FAIL, MUST_PASS]).tampered


def test_malformed_duplicate_and_unknown_records_are_ignored_and_noted() -> None:
    artifacts = honest(
        result(A, "passed"),
        result(A, "failed"),
        "junk",  # type: ignore[arg-type]
        {"event": "result", "id": B, "outcome": "glorious"},
        result("hidden/test_z.py::test_invented", "passed"),
    )
    suite = evaluate(artifacts, [A, B, C], [MUST_FAIL, MUST_PASS])
    assert [t.outcome for t in suite.tests] == ["passed", "error", "error"]
    joined = " ".join(suite.notes)
    assert "duplicate" in joined and "malformed" in joined and "not in the hidden suite" in joined


def test_frame_is_found_by_its_nonce_among_other_output() -> None:
    payload = b'{"ok": true, "exit_code": 1, "records": [], "output": {}}'
    stdout = b"noise\nfake:BEGIN\n{}\nfake:END\n\nabc:BEGIN\n" + payload + b"\nabc:END\n"
    artifacts = parse_frame(stdout, "abc")
    assert artifacts.frame_found and artifacts.exit_code == 1
    assert not parse_frame(stdout, "zzz").frame_found


def test_the_frame_gives_pid_1s_phases_as_plain_numbers_only() -> None:
    payload = (
        b'{"ok": true, "exit_code": 0, "duration_s": 0.5, "end_s": 0.004, "phases": '
        b'{"tree_s": 0.001, "extract_s": 0.003, "suite_s": 0.51, "odd": 1, "bad": true}}'
    )
    artifacts = parse_frame(b"abc:BEGIN\n" + payload + b"\nabc:END\n", "abc")
    expected = {"tree_s": 0.001, "extract_s": 0.003, "suite_s": 0.51, "end_s": 0.004}
    assert artifacts.phases == expected
    older = parse_frame(b'abc:BEGIN\n{"ok": true, "phases": [1]}\nabc:END\n', "abc")
    assert older.phases == {}


def test_artifacts_round_trip_through_json() -> None:
    artifacts = honest(result(A, "passed"))
    assert RunArtifacts.from_json(artifacts.to_json()) == artifacts


def test_a_second_result_for_a_test_is_tampering() -> None:
    # Results written again later (a file rewritten at exit, a daemon) arrive as duplicates.
    artifacts = honest(result(A, "failed"), result(B, "passed"), result(C, "passed"))
    artifacts.records.append(result(A, "passed"))
    suite = evaluate(artifacts, [A, B, C], [MUST_FAIL, MUST_PASS])
    assert suite.tampered and suite.tests[0].outcome == "failed"
    assert any("more than once" in r for r in suite.tamper_reasons)


def test_a_missing_tripwire_in_a_module_that_reported_is_tampering() -> None:
    # The tripwire runs first in its module: other results from that module mean it ran.
    artifacts = RunArtifacts(
        frame_found=True, exit_code=1, records=[result(A, "passed"), result(B, "passed")]
    )
    suite = evaluate(artifacts, [A, B, C], [MUST_FAIL])
    assert suite.tampered
    assert any("control test" in r and "no result" in r for r in suite.tamper_reasons)


def test_a_missing_tripwire_in_a_module_that_never_loaded_is_not_tampering() -> None:
    artifacts = RunArtifacts(
        frame_found=True,
        exit_code=1,
        records=[
            {"event": "collect_error", "id": "hidden/test_a.py", "message": "ImportError"},
            result(C, "failed"),
            result(MUST_PASS.id, "passed"),
        ],
    )
    suite = evaluate(artifacts, [A, B, C], [MUST_FAIL, MUST_PASS])
    assert not suite.tampered, suite.tamper_reasons


def test_a_tripwire_at_a_module_end_may_miss_when_the_process_died() -> None:
    # An honest submission that runs out of memory in the middle of a module.
    artifacts = RunArtifacts(
        frame_found=True,
        exit_code=-9,
        oom_killed=True,
        records=[
            result(MUST_FAIL.id, "failed"),
            result(A, "passed"),
            result(MUST_PASS.id, "passed"),
        ],
    )
    suite = evaluate(artifacts, [A, B, C], [MUST_FAIL, MUST_PASS, AT_END])
    assert not suite.tampered, suite.tamper_reasons


@pytest.mark.parametrize(
    ("outcome", "tampered"),
    [("failed", False), ("error", False), ("skipped", False), ("passed", True)],
)
def test_a_mirror_tripwire_must_not_pass(outcome: str, tampered: bool) -> None:
    artifacts = honest(
        result(A, "passed"), result(B, "passed"), result(C, "passed"), result(MIRROR.id, outcome)
    )
    assert evaluate(artifacts, [A, B, C], [MUST_FAIL, MUST_PASS, MIRROR]).tampered is tampered


@pytest.mark.parametrize(
    ("wire", "outcome", "tampered"),
    [
        (MUST_FAIL, "passed", True),  # a forged pass
        (MUST_FAIL, "error", False),  # an autouse fixture failed on broken code
        (MUST_FAIL, "skipped", False),  # the module's pytestmark skipped it
        (MUST_PASS, "failed", True),  # its sum cannot be wrong
        (MUST_PASS, "error", False),
        (MUST_PASS, "skipped", False),
    ],
)
def test_only_an_outcome_a_tripwire_cannot_have_is_tampering(
    wire: Tripwire, outcome: str, tampered: bool
) -> None:
    other = MUST_PASS if wire is MUST_FAIL else MUST_FAIL
    artifacts = RunArtifacts(
        frame_found=True,
        exit_code=1,
        records=[
            {"event": "begin", "schema": 1},
            result(A, "error"),
            result(B, "error"),
            result(C, "error"),
            result(wire.id, outcome),
            result(other.id, other.expected),
            {"event": "finish", "exitstatus": 1},
        ],
    )
    suite = evaluate(artifacts, [A, B, C], [MUST_FAIL, MUST_PASS])
    assert suite.tampered is tampered, suite.tamper_reasons


def note(evidence: bool) -> dict[str, Any]:
    signal = "patches the test framework" if evidence else "walks the call stack"
    return {"signal": signal, "file": "wordfreq.py", "line": 7, "text": "x", "evidence": evidence}


def test_a_suspicion_seen_at_run_time_is_kept_and_changes_nothing() -> None:
    artifacts = honest(
        result("t::a", "failed"), {"event": "integrity", "notes": [note(False)]}, exit_code=1
    )
    suite = evaluate(artifacts, ["t::a"])
    assert not suite.tampered and suite.tamper_reasons == []
    assert suite.integrity_notes == [note(False)]
    assert [t.outcome for t in suite.tests] == ["failed"]


def test_evidence_seen_at_run_time_is_tampering() -> None:
    artifacts = honest(
        result("t::a", "passed"), {"event": "integrity", "notes": [note(True)]}, exit_code=0
    )
    suite = evaluate(artifacts, ["t::a"])
    assert suite.tampered
    assert suite.tamper_reasons == ["the submission patched the test framework (wordfreq.py:7): x"]


def test_integrity_notes_are_bounded_and_sanitised() -> None:
    junk = [{"signal": 5, "line": -3, "evidence": 1, "text": "y" * 999}] * 80
    artifacts = honest({"event": "integrity", "notes": [*junk, "not a note"]})
    notes = evaluate(artifacts, []).integrity_notes
    assert len(notes) == 50
    assert notes[0] == {"signal": "", "file": "", "line": 0, "text": "y" * 200, "evidence": False}


def test_a_control_test_silenced_in_a_run_that_ended_normally_is_tampering() -> None:
    wires = [MUST_FAIL, MUST_PASS]
    artifacts = RunArtifacts(
        frame_found=True,
        exit_code=1,
        records=[result(A, "passed"), result(MUST_FAIL.id, "failed")],  # MUST_PASS silenced
    )
    assert not evaluate(artifacts, [A], wires).tampered  # the runner may not promise it
    suite = evaluate(artifacts, [A], wires, every_test_reported=True)
    assert suite.tampered
    assert suite.tamper_reasons == ["a control test has no result although the run ended normally"]


def test_a_control_test_of_a_module_that_did_not_load_or_a_killed_run_may_miss() -> None:
    wires = [MUST_FAIL, MUST_PASS]
    module = MUST_PASS.id.split("::")[0]
    failed_load = RunArtifacts(
        frame_found=True,
        exit_code=1,
        records=[
            result(MUST_FAIL.id, "failed"),
            {"event": "collect_error", "id": module, "message": "ImportError"},
        ],
    )
    assert not evaluate(failed_load, [A], wires, every_test_reported=True).tampered
    killed = RunArtifacts(frame_found=True, exit_code=-9, records=[result(MUST_FAIL.id, "failed")])
    assert not evaluate(killed, [A], wires, every_test_reported=True).tampered
