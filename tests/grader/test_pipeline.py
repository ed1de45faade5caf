"""grade(): the stages in order, with a fake sandbox behind the Sandbox seam (no Docker)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from grader import pipeline
from grader.challenge import load_challenge
from grader.config import Settings
from grader.errors import InfrastructureError
from grader.fetch import FetchPolicy
from grader.images import SandboxImage
from grader.pipeline import grade
from grader.prepare import PreparedChallenge
from grader.report import Outcome, Status, render_text
from grader.results import SuiteResult, TestOutcome
from grader.sandbox import RunArtifacts, SandboxJob
from grader.similarity import Fingerprints
from tests.conftest import WORD_FREQUENCY, make_repo

IDS = ["hidden/test_basic.py::test_empty_text_has_no_words"]


class RecordingSandbox:
    """Runs nothing; notes which threads were alive while the suite 'ran'."""

    def __init__(self) -> None:
        self.threads: list[str] = []

    def run(self, job: SandboxJob) -> RunArtifacts:
        self.threads = [t.name for t in threading.enumerate()]
        return RunArtifacts(frame_found=True, supervisor_error="no suite in this test")


def prepared() -> PreparedChallenge:
    image = SandboxImage("grader-python:test", "sha256:" + "1" * 64, "3.11")
    return PreparedChallenge(load_challenge(WORD_FREQUENCY), image, IDS)


def test_the_history_is_read_while_the_suite_runs(tmp_path: Path, settings: Settings) -> None:
    repo = make_repo(
        tmp_path / "repo",
        [("Count words", {"wordfreq.py": "def count_words(t):\n    return {}\n"})],
        base=WORD_FREQUENCY / "starter",
    )
    sandbox = RecordingSandbox()
    report = grade(
        prepared(),
        str(repo),
        None,
        settings=settings,
        sandbox=sandbox,
        policy=FetchPolicy(allow_local=True),
    ).report
    assert any(name.startswith("beside") for name in sandbox.threads)
    assert report.skills["version_control"].score is not None
    # The suite could not run (an error): nothing is fingerprinted, no similarity stage.
    assert report.status == Status.ERROR
    assert list(report.timings) == ["fetch", "workspace", "sandbox", "results", "history", "score"]
    assert not any(settings.subdir("tmp").iterdir()), "the grading's folder is left behind"


class BrokenSandbox:
    def run(self, job: SandboxJob) -> RunArtifacts:
        raise InfrastructureError("the engine went away")


def test_a_sandbox_failure_waits_for_the_history_and_leaves_nothing(
    tmp_path: Path, settings: Settings
) -> None:
    repo = make_repo(tmp_path / "repo", [("One", {"a.py": "x = 1\n"})])
    with pytest.raises(InfrastructureError):
        grade(
            prepared(),
            str(repo),
            None,
            settings=settings,
            sandbox=BrokenSandbox(),
            policy=FetchPolicy(allow_local=True),
        )
    assert not any(settings.subdir("tmp").iterdir())
    assert not any(t.name.startswith("history") for t in threading.enumerate())


# -- the similarity stage ----------------------------------------------------------
SOLVED = {
    "wordfreq.py": (WORD_FREQUENCY / "solution" / "wordfreq.py").read_text(),
    "README.md": "# notes\n",
}


def passing(
    challenge: object, test_ids: list[str], artifacts: RunArtifacts, wires: object
) -> SuiteResult:
    return SuiteResult(tests=[TestOutcome(id=i, outcome=Outcome.PASSED) for i in test_ids])


def test_a_graded_submission_is_fingerprinted_from_its_workspace(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "evaluate_run", passing)
    repo = make_repo(tmp_path / "repo", [("Solve", SOLVED)], base=WORD_FREQUENCY / "starter")
    grading = grade(
        prepared(),
        str(repo),
        None,
        settings=settings,
        sandbox=RecordingSandbox(),
        policy=FetchPolicy(allow_local=True),
    )
    assert grading.report.status == Status.GRADED
    assert list(grading.report.timings)[-1] == "similarity"
    assert grading.fingerprints is not None
    assert "wordfreq.py" in grading.fingerprints.paths()
    assert "README.md" not in grading.fingerprints.paths()  # not source code
    solution = Fingerprints.from_folder(WORD_FREQUENCY / "solution")
    assert len(grading.fingerprints.hashes & solution.hashes) >= len(solution.hashes) // 2
    # What the report says about tests and scores is what it says without the stage.
    assert grading.report.overall > 0 and all(t.outcome == "passed" for t in grading.report.tests)


def test_a_tampered_submission_is_not_fingerprinted(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def tampered(*args: object) -> SuiteResult:
        return SuiteResult(tests=[], tampered=True, tamper_reasons=["a tripwire"])

    monkeypatch.setattr(pipeline, "evaluate_run", tampered)
    repo = make_repo(tmp_path / "repo", [("Solve", SOLVED)])
    grading = grade(
        prepared(),
        str(repo),
        None,
        settings=settings,
        sandbox=RecordingSandbox(),
        policy=FetchPolicy(allow_local=True),
    )
    assert grading.report.status == Status.TAMPERED
    assert grading.fingerprints is None and "similarity" not in grading.report.timings


# -- flake-aware grading (grader/flaky.py) -------------------------------------------
PERF = "hidden/test_perf.py::test_large_text_is_counted_in_linear_time"


class CountingSandbox:
    def __init__(self) -> None:
        self.runs = 0

    def run(self, job: SandboxJob) -> RunArtifacts:
        self.runs += 1
        return RunArtifacts(frame_found=True)


def test_a_failed_timing_test_is_rerun_in_new_sandbox_runs_and_reported_flaky(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcomes = iter([Outcome.FAILED, Outcome.PASSED, Outcome.PASSED])

    def one_run(challenge: object, test_ids: list[str], *_: object) -> SuiteResult:
        return SuiteResult(
            tests=[TestOutcome(IDS[0], Outcome.PASSED), TestOutcome(PERF, next(outcomes), 1.3)]
        )

    monkeypatch.setattr(pipeline, "evaluate_run", one_run)
    repo = make_repo(tmp_path / "repo", [("Solve", SOLVED)], base=WORD_FREQUENCY / "starter")
    image = SandboxImage("grader-python:test", "sha256:" + "1" * 64, "3.11")
    sandbox = CountingSandbox()
    report = grade(
        PreparedChallenge(load_challenge(WORD_FREQUENCY), image, [IDS[0], PERF]),
        str(repo),
        None,
        settings=settings,
        sandbox=sandbox,
        policy=FetchPolicy(allow_local=True),
    ).report
    assert sandbox.runs == 3
    perf = next(t for t in report.tests if t.id == PERF)
    assert (
        perf.outcome == Outcome.PASSED
        and perf.flaky
        and perf.runs == ["failed", "passed", "passed"]
    )
    assert report.skills["performance"].passed == 1
    assert "reruns" in report.timings
    (perf_json,) = [t for t in report.to_dict()["tests"] if t["id"] == PERF]
    assert perf_json["runs"] == ["failed", "passed", "passed"] and perf_json["flaky"] is True
    assert "runs" not in report.to_dict()["tests"][0]  # a test that ran once: no rerun fields
    assert "rerun after a failure (1):" in render_text(report)


def test_no_rerun_when_the_jobs_time_limit_leaves_no_room(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def one_run(challenge: object, test_ids: list[str], *_: object) -> SuiteResult:
        return SuiteResult(tests=[TestOutcome(PERF, Outcome.FAILED, 1.3, "too slow")])

    monkeypatch.setattr(pipeline, "evaluate_run", one_run)
    repo = make_repo(tmp_path / "repo", [("Solve", SOLVED)], base=WORD_FREQUENCY / "starter")
    image = SandboxImage("grader-python:test", "sha256:" + "1" * 64, "3.11")
    sandbox = CountingSandbox()
    report = grade(
        PreparedChallenge(load_challenge(WORD_FREQUENCY), image, [PERF]),
        str(repo),
        None,
        settings=settings.model_copy(update={"max_job_timeout_s": 0.001}),
        sandbox=sandbox,
        policy=FetchPolicy(allow_local=True),
    ).report
    assert sandbox.runs == 1
    assert report.tests[0].outcome == Outcome.FAILED and report.tests[0].runs is None
    assert any("leaves no room" in note for note in report.notes)


def test_the_report_carries_the_history_signals(tmp_path: Path, settings: Settings) -> None:
    solution = "".join(f"def part_{i}(x):\n    return x * {i} + {i + 1}\n" for i in range(20))
    repo = make_repo(
        tmp_path / "repo",
        [("Solve it all at once", {"wordfreq.py": solution})],
        base=WORD_FREQUENCY / "starter",
    )
    report = grade(
        prepared(),
        str(repo),
        None,
        settings=settings,
        sandbox=RecordingSandbox(),
        policy=FetchPolicy(allow_local=True),
    ).report
    assert report.history is not None
    (signal,) = report.history["signals"]
    assert signal["kind"] == "first-commit-holds-solution"
    assert signal["figures"] == {"share": 1.0, "lines": 40, "final_lines": 40, "commits": 1}
