"""The worker's similarity step against a real database (SQLite), without Docker.

A planted copy (another candidate's solution, disguised as a copier would:
see tests/grader/similarity/disguise.py) is found and stored; a candidate's
own resubmission is not; an index built by another worker catches up from the
store; the job stores the comparison after the report, and a failure in it
leaves the grading graded.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader import rescore
from grader.challenge import load_challenge
from grader.config import PROJECT_ROOT, Settings, get_settings
from grader.jobs import GradingService, _Job
from grader.pipeline import Grading
from grader.report import Status
from grader.similarities import Indexes
from grader.similarity import Fingerprints
from grader.similarity.winnow import SCHEME_VERSION
from grader.store import repo, similarity
from grader.store.db import session_scope
from tests.conftest import WORD_FREQUENCY
from tests.grader.similarity.disguise import disguise
from tests.store import migrated_database
from tests.support.submissions import compare, store_graded, store_word_frequency

CHALLENGE = "word-frequency"
INDEPENDENT = (
    PROJECT_ROOT / "tests/grader/similarity/solutions/word-frequency/independent/wordfreq.py"
).read_text()
GOLDEN = PROJECT_ROOT / "tests" / "golden" / "word-frequency" / "complete" / "artifacts.json"


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    with migrated_database("sqlite", tmp_path) as url:
        yield get_settings().model_copy(
            update={"data_dir": tmp_path / "data", "database_url": url, "notify_url": ""}
        )


def add_challenge(settings: Settings) -> None:
    with session_scope(settings.effective_database_url) as session:
        store_word_frequency(session)


def graded(settings: Settings, email: str, *, status: str = "graded") -> str:
    """A submission of the challenge, graded (its report is stored)."""
    with session_scope(settings.effective_database_url) as session:
        return store_graded(session, email, f"/repos/{email}.git", status=status)


def record(settings: Settings, indexes: Indexes, submission_id: str, code: str) -> Any:
    with session_scope(settings.effective_database_url) as session:
        return compare(session, indexes, submission_id, code)


def stored(settings: Settings, submission_id: str) -> dict[str, Any] | None:
    with session_scope(settings.effective_database_url) as session:
        found = similarity.result_of(session, submission_id)
        return None if found is None else found.report


def test_a_disguised_copy_of_another_candidate_is_flagged_with_fragments(
    settings: Settings,
) -> None:
    add_challenge(settings)
    indexes = Indexes()
    ada = graded(settings, "ada@example.com")
    first = record(settings, indexes, ada, INDEPENDENT)
    assert first.submissions == () and not first.flagged
    (solution,) = first.references  # independent of the reference solution
    assert solution.other == "solution" and not solution.flagged
    bob = graded(settings, "bob@example.com")
    found = record(settings, indexes, bob, disguise(INDEPENDENT))
    assert [m.other for m in found.flagged] == [ada]
    (match,) = found.submissions
    assert match.similarity >= indexes.settings.threshold
    assert match.fragments and {f.query.path for f in match.fragments} == {"wordfreq.py"}
    report = stored(settings, bob)
    assert report is not None and report["submissions"][0]["other"] == ada
    assert report["submissions"][0]["flagged"] is True
    with session_scope(settings.effective_database_url) as session:
        assert similarity.owners(session, CHALLENGE, SCHEME_VERSION) == {
            ada: "ada@example.com",
            bob: "bob@example.com",
        }
        assert [s.submission_id for s in similarity.mentioning(session, CHALLENGE, ada)] == [bob]


def test_a_copy_of_the_reference_solution_is_flagged(settings: Settings) -> None:
    add_challenge(settings)
    cy = graded(settings, "cy@example.com")
    copied = disguise((WORD_FREQUENCY / "solution" / "wordfreq.py").read_text())
    (solution,) = record(settings, Indexes(), cy, copied).references
    assert solution.flagged and solution.kind == "reference"


def test_a_candidates_own_resubmission_is_not_a_copy(settings: Settings) -> None:
    add_challenge(settings)
    indexes = Indexes()
    first = graded(settings, "ada@example.com")
    record(settings, indexes, first, INDEPENDENT)
    again = graded(settings, "ada@example.com")
    assert record(settings, indexes, again, INDEPENDENT).submissions == ()
    other = graded(settings, "bob@example.com")  # another candidate finds both of ada's
    found = record(settings, indexes, other, INDEPENDENT)
    assert {m.other for m in found.submissions} == {first, again}


def test_another_workers_index_catches_up_from_the_store(settings: Settings) -> None:
    add_challenge(settings)
    ada = graded(settings, "ada@example.com")
    record(settings, Indexes(), ada, INDEPENDENT)  # graded by another worker process
    tampered = graded(settings, "eve@example.com", status="tampered")
    with session_scope(settings.effective_database_url) as session:
        data = Fingerprints.from_tree({"wordfreq.py": INDEPENDENT}).to_json()
        similarity.save_fingerprints(session, tampered, CHALLENGE, SCHEME_VERSION, data)
    bob = graded(settings, "bob@example.com")
    found = record(settings, Indexes(), bob, disguise(INDEPENDENT))
    assert [m.other for m in found.submissions] == [ada]  # never the tampered one


# -- the job -------------------------------------------------------------------------
def golden_grading(commit: str) -> Grading:
    report = rescore.score(
        load_challenge(WORD_FREQUENCY),
        rescore.SavedRun.from_dict(json.loads(GOLDEN.read_text())),
        None,
        rescore.Observed(
            repo="/repos/x.git",
            commit=commit,
            ref="main",
            image="grader-python:test",
            digest="sha256:" + "1" * 64,
            timings={},
            graded_at="2024-05-02T10:15:00+00:00",
        ),
    )
    fingerprints = Fingerprints.from_tree({"wordfreq.py": disguise(INDEPENDENT)})
    return Grading(report=report, fingerprints=fingerprints)


def job_for(submission_id: str) -> _Job:
    return _Job(submission_id, "/repos/x.git", "main", None, None, str(WORD_FREQUENCY), None, "v1")


def running(settings: Settings, email: str) -> str:
    with session_scope(settings.effective_database_url) as session:
        challenge = repo.get_challenge(session, CHALLENGE)
        assert challenge is not None
        row = repo.create_submission(
            session, challenge=challenge, repo="/repos/x.git", ref="main", candidate_email=email
        )
        repo.claim(session, row.id, "test", 600)
        return row.id


def test_the_job_stores_the_comparison_after_the_report(settings: Settings) -> None:
    add_challenge(settings)
    service = GradingService(settings)
    ada = graded(settings, "ada@example.com")
    record(settings, service.similarity, ada, INDEPENDENT)
    bob = running(settings, "bob@example.com")
    assert job_for(bob).handle_graded(service, golden_grading("b" * 40)) == "graded"
    report = stored(settings, bob)
    assert report is not None and [m["other"] for m in report["submissions"]] == [ada]
    with session_scope(settings.effective_database_url) as session:
        row = repo.get_submission(session, bob)
        assert row is not None and row.status == "graded"
        assert similarity.fingerprints_of(session, [bob])


def test_a_failure_in_the_similarity_step_leaves_the_grading_graded(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    add_challenge(settings)
    service = GradingService(settings)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the index is broken")

    monkeypatch.setattr(service.similarity, "record", broken)
    bob = running(settings, "bob@example.com")
    with caplog.at_level(logging.ERROR, logger="grader.jobs"):
        assert job_for(bob).handle_graded(service, golden_grading("b" * 40)) == "graded"
    assert "could not compare" in caplog.text
    assert stored(settings, bob) is None
    with session_scope(settings.effective_database_url) as session:
        row = repo.get_submission(session, bob)
        assert row is not None and row.status == "graded" and row.overall is not None
        assert similarity.fingerprints_of(session, [bob]) == {}


def test_a_tampered_grading_is_not_compared(settings: Settings) -> None:
    add_challenge(settings)
    service = GradingService(settings)
    eve = running(settings, "eve@example.com")
    grading = golden_grading("e" * 40)
    grading.report.status = Status.TAMPERED
    job_for(eve).handle_graded(service, grading)
    assert stored(settings, eve) is None


# -- the challenge's [similarity] table -------------------------------------------------------
def challenge_with(tmp_path: Path, table: str) -> Path:
    root = tmp_path / "challenge"
    shutil.copytree(WORD_FREQUENCY, root, ignore=shutil.ignore_patterns("__pycache__"))
    manifest = root / "challenge.toml"
    manifest.write_text(manifest.read_text() + "\n[similarity]\n" + table)
    return root


def record_tree(
    settings: Settings, indexes: Indexes, submission_id: str, root: Path, tree: dict[str, str]
) -> Any:
    with session_scope(settings.effective_database_url) as session:
        return indexes.record(
            session,
            submission_id,
            challenge_id=CHALLENGE,
            version="v2",
            root=root,
            fingerprints=Fingerprints.from_tree(tree),
        )


def test_the_challenges_threshold_decides_and_is_stored(settings: Settings, tmp_path: Path) -> None:
    add_challenge(settings)
    root = challenge_with(tmp_path, "threshold = 0.99\n")
    indexes = Indexes()
    ada, bob = graded(settings, "ada@example.com"), graded(settings, "bob@example.com")
    record_tree(settings, indexes, ada, root, {"wordfreq.py": INDEPENDENT})
    copied = INDEPENDENT.replace("def ", "def  ", 1) + "\n\ndef mine(x):\n    return [x] * 3\n"
    found = record_tree(settings, indexes, bob, root, {"wordfreq.py": disguise(copied)})
    (match,) = found.submissions
    assert 0.5 <= match.similarity < 0.99 and not match.flagged
    with session_scope(settings.effective_database_url) as session:
        stored_row = similarity.result_of(session, bob)
    assert stored_row is not None and stored_row.threshold == 0.99


def test_files_every_candidate_shares_are_left_out(settings: Settings, tmp_path: Path) -> None:
    add_challenge(settings)
    root = challenge_with(tmp_path, 'exclude = ["vendor/*"]\n')
    indexes = Indexes()
    ada, bob = graded(settings, "ada@example.com"), graded(settings, "bob@example.com")
    shared = {"vendor/lib.py": INDEPENDENT}  # the same vendored file in both
    solution = (WORD_FREQUENCY / "solution" / "wordfreq.py").read_text()
    record_tree(settings, indexes, ada, root, {**shared, "wordfreq.py": solution})
    found = record_tree(settings, indexes, bob, root, {**shared, "wordfreq.py": "x = 1\n"})
    assert found.submissions == () and not found.flagged
    # Without the setting the vendored file alone makes them a flagged pair.
    plain = challenge_with(tmp_path / "plain", "threshold = 0.5\n")
    carl, dee = graded(settings, "carl@example.com"), graded(settings, "dee@example.com")
    fresh = Indexes()
    record_tree(settings, fresh, carl, plain, {**shared, "wordfreq.py": solution})
    found = record_tree(settings, fresh, dee, plain, {**shared, "wordfreq.py": "x = 1\n"})
    assert carl in {m.other for m in found.flagged}
