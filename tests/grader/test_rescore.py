"""Re-scoring a stored submission from its stored artifacts, with no Docker.

The stored submission is made as the queue makes one: pipeline.grade on a
real git repository (fetch, workspace, history analysis, results, scoring),
stored by the job's own handle_graded. Only the sandbox is a stand-in: it
replays the golden run of word-frequency/partial, whose tripwires are the ones
planted.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader import rescore, tripwires
from grader.challenge import load_challenge
from grader.config import PROJECT_ROOT, Settings
from grader.errors import BadInput
from grader.fetch import FetchPolicy
from grader.history import Finding, HistoryResult
from grader.images import SandboxImage
from grader.jobs import GradingService, _Job
from grader.languages import python
from grader.pipeline import grade
from grader.prepare import PreparedChallenge
from grader.sandbox import RunArtifacts, SandboxJob
from grader.store import repo
from grader.store.db import migrate, session_scope
from tests.conftest import WORD_FREQUENCY, make_repo

GOLDEN = json.loads(
    (
        PROJECT_ROOT / "tests" / "golden" / "word-frequency" / "partial" / "artifacts.json"
    ).read_text()
)
HISTORY = [
    ("wip", {"wordfreq.py": "import re\n"}),
    (
        "Count words case-insensitively\n\nWords are runs of letters, digits and apostrophes.",
        # A line the integrity scan signals, so that the report has a static signal to keep.
        {"wordfreq.py": "import sys\n\n\ndef count_words(text):\n    return {sys._getframe(0)}\n"},
    ),
]


class ReplayingSandbox:
    """Runs nothing: gives back the golden run's artifacts."""

    def run(self, job: SandboxJob) -> RunArtifacts:
        return RunArtifacts(**GOLDEN["artifacts"])


@dataclass
class Stored:
    settings: Settings
    submission_id: str
    root: Path  # the challenge version's folder

    @property
    def url(self) -> str:
        return self.settings.effective_database_url


@pytest.fixture
def stored(tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Stored:
    root = tmp_path / "word-frequency"
    shutil.copytree(WORD_FREQUENCY, root)
    challenge = load_challenge(root)
    golden_wires = [tripwires.Tripwire(**w) for w in GOLDEN["tripwires"]]
    # The planted tripwires are the golden run's, so that its results answer them.
    monkeypatch.setattr(python, "plant_python", lambda *_a, **_k: golden_wires)
    candidate = make_repo(tmp_path / "candidate", HISTORY, base=root / "starter")
    image = SandboxImage("grader-python:test", "sha256:" + "1" * 64, "3.11")
    grading = grade(
        PreparedChallenge(challenge, image, GOLDEN["test_ids"]),
        str(candidate),
        None,
        settings=settings,
        sandbox=ReplayingSandbox(),
        policy=FetchPolicy(allow_local=True),
    )
    url = settings.effective_database_url
    migrate(url)
    with session_scope(url) as session:
        row = repo.upsert_challenge(
            session,
            challenge_id=challenge.id,
            title=challenge.title,
            language=challenge.language,
            source=str(root),
            version=challenge.content_hash(),
            commit=None,
            root=str(root),
            skills=[],
            test_count=len(GOLDEN["test_ids"]),
        )
        submission_id = repo.create_submission(
            session, challenge=row, repo=str(candidate), ref=None
        ).id
    job = _Job(submission_id, str(candidate), None, None, None, str(root), None, "v")
    assert job.handle_graded(GradingService(settings), grading) == "graded"
    return Stored(settings, submission_id, root)


def stored_report(where: Stored) -> dict[str, object]:
    with session_scope(where.url) as session:
        row = repo.report_of(session, where.submission_id)
        assert row is not None
        return dict(row.report)


def test_a_stored_grading_rescores_to_its_stored_report(stored: Stored) -> None:
    result = rescore.rescore_submission(stored.url, stored.submission_id)

    assert result.report.to_dict() == stored_report(stored)
    assert result.differences() == []
    # The history's findings and notes are the ones the grading read from git.
    assert result.report.skills["version_control"].findings
    assert any("Counting the commits after" in note for note in result.report.notes)
    assert result.report.integrity["signals"]


def test_a_changed_weight_changes_the_rescored_report(stored: Stored) -> None:
    manifest = stored.root / "challenge.toml"
    manifest.write_text(manifest.read_text().replace("weight = 2", "weight = 5"))
    before = stored_report(stored)

    result = rescore.rescore_submission(stored.url, stored.submission_id)

    assert result.report.skills["programming"].weight == 5
    assert result.report.overall != before["overall"]
    changed = {line.split(":", 1)[0] for line in result.differences()}
    assert {"overall", "skills.programming.weight", "challenge.version"} <= changed
    assert stored_report(stored) == before, "nothing is stored without --write"


def test_write_stores_the_recomputed_report(stored: Stored) -> None:
    manifest = stored.root / "challenge.toml"
    manifest.write_text(manifest.read_text().replace("weight = 2", "weight = 5"))
    result = rescore.rescore_submission(stored.url, stored.submission_id)

    rescore.write(stored.url, result)

    assert stored_report(stored) == result.report.to_dict()
    assert rescore.rescore_submission(stored.url, stored.submission_id).differences() == []
    with session_scope(stored.url) as session:
        submission = repo.get_submission(session, stored.submission_id)
        assert submission is not None and submission.overall == result.report.overall
        events = repo.events_of(session, stored.submission_id)
        assert events[-1].detail == "re-scored from the stored artifacts"


def test_a_reused_report_rescores_from_the_original_artifacts(stored: Stored) -> None:
    with session_scope(stored.url) as session:
        original = repo.get_submission(session, stored.submission_id)
        report = repo.report_of(session, stored.submission_id)
        assert original is not None and report is not None
        challenge = repo.get_challenge(session, original.challenge_id)
        assert challenge is not None and original.dedupe_key
        copy = repo.create_submission(session, challenge=challenge, repo=original.repo, ref=None)
        repo.finish(  # as the queue stores a commit it already graded
            session,
            copy.id,
            status=report.status,
            overall=report.overall,
            report=report.report,
            artifacts=None,
            commit=original.commit,
            dedupe_key=original.dedupe_key,
        )
        copy_id = copy.id

    assert rescore.rescore_submission(stored.url, copy_id).differences() == []


def test_a_submission_without_a_report_is_bad_input(stored: Stored) -> None:
    with pytest.raises(BadInput, match="no submission"):
        rescore.rescore_submission(stored.url, "no-such-id")
    with session_scope(stored.url) as session:
        challenge = repo.get_challenge(session, "word-frequency")
        assert challenge is not None
        queued = repo.create_submission(session, challenge=challenge, repo="x", ref=None).id
    with pytest.raises(BadInput, match="has no report"):
        rescore.rescore_submission(stored.url, queued)


def test_the_command_prints_the_report_and_whether_it_changed(stored: Stored) -> None:
    env = {**os.environ, "GRADER_DATA_DIR": str(stored.settings.data_dir)}
    command = [sys.executable, "-m", "grader.cli", "rescore", stored.submission_id]

    same = subprocess.run([*command, "--json"], capture_output=True, text=True, env=env)
    assert same.returncode == 0, same.stderr
    assert json.loads(same.stdout) == stored_report(stored)
    assert "the same as the stored report" in same.stderr

    manifest = stored.root / "challenge.toml"
    manifest.write_text(manifest.read_text().replace("weight = 2", "weight = 5"))
    changed = subprocess.run(command, capture_output=True, text=True, env=env)
    assert changed.returncode == 0, changed.stderr
    assert "status: graded" in changed.stdout
    assert "differs from the stored report" in changed.stderr
    assert "  overall: " in changed.stderr

    written = subprocess.run([*command, "--write"], capture_output=True, text=True, env=env)
    assert written.returncode == 0, written.stderr
    assert "stored the recomputed report" in written.stderr
    assert (
        stored_report(stored)["overall"]
        == json.loads(
            subprocess.run([*command, "--json"], capture_output=True, text=True, env=env).stdout
        )["overall"]
    )

    missing = subprocess.run([*command[:-1], "nope"], capture_output=True, text=True, env=env)
    assert missing.returncode == 2
    assert missing.stderr.strip() == "grader: no submission nope"


def test_the_history_is_told_apart_from_the_suite_in_a_report() -> None:
    challenge = load_challenge(WORD_FREQUENCY)
    ghost = {"event": "result", "id": "hidden/test_x.py::test_ghost", "outcome": "passed"}
    saved = rescore.SavedRun.from_dict(
        {
            **GOLDEN,
            "artifacts": {
                **GOLDEN["artifacts"],
                "records": [*GOLDEN["artifacts"]["records"], ghost],
            },
        }
    )
    history = HistoryResult(
        66.0,
        [Finding("message.wip", "A work-in-progress subject.", "a" * 40, -4.0)],
        2,
        "b" * 40,
        ["Counting the commits after bbbbbbbbbbbb, the first with the starter's files."],
        [{"sha": "a" * 40, "subject": "wip"}],
    )

    report = rescore.score(challenge, saved, history)

    assert report.notes == [
        "1 result(s) for tests that are not in the hidden suite were ignored",
        *history.notes,
    ]
    assert rescore.stored_history(challenge, saved, report) == history
