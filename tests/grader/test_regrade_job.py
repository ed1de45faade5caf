"""A regrade graded for real: a submission graded by the worker's job at version 1, then
regraded by the shadow job at version 2, whose one hidden test was fixed. Two Docker
gradings in all (the challenge's image and test inventory are the session's, prepared once).

It checks the diff (the one test changed outcome, programming went up, nothing else
moved: the same code, grader and image give the same outcomes), that the shadow report
records what makes it reproducible, and that publication is atomic.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from grader import jobs, regrade, regrade_job
from grader.catalogue import register_challenge
from grader.challenge import load_challenge
from grader.config import get_settings
from grader.prepare import PreparedChallenge
from grader.store import regrades, repo
from grader.store.db import migrate, session_scope
from tests.conftest import WORD_FREQUENCY
from tests.golden.test_golden import HERE as GOLDEN
from tests.golden.test_golden import submission
from tests.support.regrades import CLOSED_REDIS

pytestmark = pytest.mark.docker
CHANGED = "hidden/test_basic.py::test_punctuation_separates_words"


def versions(tmp_path: Path) -> tuple[Path, Path]:
    """Two versions of word-frequency: as it is, and with one hidden test fixed."""
    v1, v2 = tmp_path / "v1" / "word-frequency", tmp_path / "v2" / "word-frequency"
    shutil.copytree(WORD_FREQUENCY, v1)
    shutil.copytree(WORD_FREQUENCY, v2)
    tests = v2 / "hidden" / "test_basic.py"
    text = tests.read_text()
    assert 'count_words("end.start,middle;end")' in text
    tests.write_text(text.replace('"end.start,middle;end"', '"end start middle end"'))
    return v1, v2


def test_a_changed_hidden_test_is_regraded_diffed_and_published_atomically(
    tmp_path: Path,
    docker_services: tuple[Any, Any],
    prepared_word_frequency: PreparedChallenge,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = get_settings().model_copy(
        update={"data_dir": tmp_path / "data", "redis_url": CLOSED_REDIS, "notify_url": ""}
    )
    url = settings.effective_database_url
    migrate(url)
    v1, v2 = versions(tmp_path)
    service = jobs.GradingService(settings)
    service._services = docker_services  # no warm pool: two gradings only
    for folder in (v1, v2):
        challenge = load_challenge(folder)
        found = prepared_word_frequency
        service._prepared[(str(folder), "")] = PreparedChallenge(
            challenge, found.image, found.test_ids, found.durations
        )
    monkeypatch.setattr(jobs, "_service", service)
    register_challenge(url, load_challenge(v1), str(v1), len(prepared_word_frequency.test_ids))

    work = submission(GOLDEN / "word-frequency" / "partial", tmp_path / "work")
    bare = settings.data_dir / "repos" / "ada.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(work), str(bare)], check=True)
    with session_scope(url) as session:
        row = repo.create_submission(
            session,
            challenge=repo.get_challenge(session, "word-frequency"),  # type: ignore[arg-type]
            repo=str(bare),
            ref="main",
            candidate_email="ada@example.com",
        )
        submission_id = row.id
    assert jobs.run_grading(submission_id) == "graded"  # Docker grading 1: version 1
    with session_scope(url) as session:
        stored = repo.report_of(session, submission_id)
        assert stored is not None
        original = dict(stored.report)
    expected = json.loads((GOLDEN / "word-frequency" / "partial" / "expected.json").read_text())
    assert {t["id"]: t["outcome"] for t in original["tests"]} == expected["tests"]

    register_challenge(url, load_challenge(v2), str(v2), len(prepared_word_frequency.test_ids))
    started = regrade.start(settings, "word-frequency", actor="admin")
    assert started.version == load_challenge(v2).content_hash() and started.submissions == 1
    with session_scope(url) as session:
        ((shadow, _sub, _report),) = regrades.shadows_of(session, started.regrade)
        shadow_id = shadow.id
    assert regrade_job.run_shadow(shadow_id) == "done"  # Docker grading 2: version 2
    assert regrade_job.run_shadow(shadow_id) == "skipped"  # a second copy of the job

    with session_scope(url) as session:
        shown = regrade.view(session, started.regrade)
        assert shown is not None
        assert shown.regrade.state == "ready"
        assert shown.summary == {"up": 1, "down": 0, "unchanged": 0, "errored": 0, "pending": 0}
        (diff,) = shown.diffs
        assert [(t.id, t.old, t.new) for t in diff.tests] == [(CHANGED, "failed", "passed")]
        skills = {s.name: (s.old, s.new) for s in diff.skills}
        assert skills["programming"] == (77.8, 88.9)
        assert skills["performance"][0] == skills["performance"][1]  # same code, same outcome
        assert skills["version_control"][0] == skills["version_control"][1]
        new = regrades.get_shadow(session, shadow_id).report  # type: ignore[union-attr]
    # what makes the two comparable is recorded in both reports
    assert new["challenge"]["version"] == started.version != original["challenge"]["version"]
    for part, field in (("sandbox", "digest"), ("sandbox", "image"), ("submission", "tree")):
        assert new[part][field] == original[part][field] and new[part][field]
    assert new["grader_version"] == original["grader_version"]
    assert new["submission"]["commit"] == original["submission"]["commit"]

    real = regrades.publish_shadow

    def broken(*args: Any) -> None:
        real(*args)
        raise RuntimeError("the database went away after the swap, before the commit")

    monkeypatch.setattr(regrades, "publish_shadow", broken)
    with pytest.raises(RuntimeError):
        regrade.publish(url, started.regrade, "admin")
    with session_scope(url) as session:
        assert repo.report_of(session, submission_id).report == original  # type: ignore[union-attr]
    monkeypatch.setattr(regrades, "publish_shadow", real)
    assert regrade.publish(url, started.regrade, "admin").published == 1
    with session_scope(url) as session:
        current = repo.report_of(session, submission_id)
        assert current is not None and current.report == new
        assert current.overall > original["overall"]
        ((_published, kept),) = regrades.published_for(session, submission_id)
        assert kept.previous is not None and kept.previous["report"] == original
