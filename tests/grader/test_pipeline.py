"""grade(): the stages in order, with a fake sandbox behind the Sandbox seam (no Docker)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from grader.challenge import load_challenge
from grader.config import Settings
from grader.errors import InfrastructureError
from grader.fetch import FetchPolicy
from grader.images import SandboxImage
from grader.pipeline import grade
from grader.prepare import PreparedChallenge
from grader.sandbox import RunArtifacts, SandboxJob
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
    assert any(name.startswith("history") for name in sandbox.threads)
    assert report.skills["version_control"].score is not None
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
