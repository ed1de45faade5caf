"""A round of graded submissions and regrades of it, for the regrade tests without Docker.

The reports are real ones: the golden cases' saved sandbox artifacts scored by
grader.rescore under word-frequency's manifest (as ``grader rescore`` does).
A regrade is started the way the CLI and the API start it (grader.regrade.start,
Redis unreachable so nothing reaches a worker), and its shadow gradings are
then finished through the store functions the shadow job uses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from grader import regrade, rescore
from grader.challenge import load_challenge
from grader.config import PROJECT_ROOT, Settings, get_settings
from grader.report import Report
from grader.store import regrades, repo
from grader.store.db import session_scope
from tests.support.submissions import store_graded, store_word_frequency

WORD_FREQUENCY = PROJECT_ROOT / "challenges" / "word-frequency"
GOLDEN = PROJECT_ROOT / "tests" / "golden" / "word-frequency"
CHALLENGE = "word-frequency"
CLOSED_REDIS = "redis://127.0.0.1:9/0"
SKILLS = ({"name": "programming", "weight": 2}, {"name": "performance", "weight": 1})
# name -> (candidate, golden case graded first)
CANDIDATES = {
    "ada": ("ada@example.com", "partial"),
    "bob": ("bob@example.com", "complete"),
    "cy": ("cy@example.com", "failing"),
}


def golden_report(
    case: str, name: str = "ada", like: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The report of the golden case ``case`` as a grading of ``name``'s repository; with the
    history analysis of the report ``like`` when it has one (a regrade reads the same history)."""
    challenge = load_challenge(WORD_FREQUENCY)
    saved = rescore.SavedRun.from_dict(json.loads((GOLDEN / case / "artifacts.json").read_text()))
    history = None
    if like and "version_control" in (like.get("skills") or {}):
        history = rescore.stored_history(challenge, saved, Report.model_validate(like))
    report = rescore.score(
        challenge,
        saved,
        history,
        rescore.Observed(
            repo=f"https://example.com/{name}/word-frequency.git",
            commit=name[0] * 40,
            image="grader-python:test",
            digest="sha256:" + "1" * 64,
            graded_at="2024-05-02T10:15:00+00:00",
        ),
    )
    return report.to_dict()


def settings_on(url: str, data_dir: Path) -> Settings:
    return get_settings().model_copy(
        update={"database_url": url, "redis_url": CLOSED_REDIS, "data_dir": data_dir}
    )


@dataclass
class Round:
    settings: Settings
    submissions: dict[str, str] = field(default_factory=dict)  # name -> submission id

    @property
    def url(self) -> str:
        return self.settings.effective_database_url


def seed_round(settings: Settings) -> Round:
    """word-frequency at version v1 with three graded submissions, then v2 made current."""
    url = settings.effective_database_url
    made = Round(settings)
    _version(url, "v1")
    with session_scope(url) as session:
        for name, (email, case) in CANDIDATES.items():
            report = golden_report(case, name)
            made.submissions[name] = store_graded(
                session,
                email,
                report["submission"]["repo"],
                report=report,
                status=report["status"],
                overall=report["overall"],
                commit=report["submission"]["commit"],
            )
    _version(url, "v2")
    return made


def _version(url: str, version: str) -> None:
    with session_scope(url) as session:
        store_word_frequency(session, version=version, skills=SKILLS)


def start_regrade(made: Round, **selection: Any) -> str:
    return regrade.start(made.settings, CHALLENGE, actor="test", **selection).regrade


def finish_shadows(made: Round, regrade_id: str, outcomes: dict[str, str | None]) -> None:
    """Each named submission's shadow grading finished with the golden case given (None: it
    failed, as after an infrastructure failure past its retries), as the job stores them."""
    with session_scope(made.url) as session:
        for shadow, submission, stored in regrades.shadows_of(session, regrade_id):
            name = next(n for n, i in made.submissions.items() if i == submission.id)
            if name not in outcomes:
                continue
            assert regrades.claim_shadow(session, shadow.id, 600)
            case = outcomes[name]
            if case is None:
                regrades.fail_shadow(session, shadow.id, "infrastructure failed after 4 attempts")
            else:
                report = golden_report(case, name, stored.report if stored else None)
                regrades.finish_shadow(
                    session,
                    shadow.id,
                    status=report["status"],
                    overall=report["overall"],
                    report=report,
                    artifacts={"saved": case},
                )
            regrades.mark_ready_if_finished(session, regrade_id)


def current(made: Round, name: str) -> tuple[str, float | None, float | None]:
    """A submission's status, its overall, and its stored report's overall."""
    with session_scope(made.url) as session:
        row = repo.get_submission(session, made.submissions[name])
        report = repo.report_of(session, made.submissions[name])
        assert row is not None
        return row.status, row.overall, report.overall if report else None


_MATRIX: dict[str, dict[str, str]] = {}


def regrade_to_same(
    session: Session, challenge_id: str, version: str, submission: str, *, finished: bool = True
) -> str:
    """A regrade of one submission whose shadow result is its current report (``finished``:
    graded, so the regrade is ready to publish; else still running); its id."""
    stored = repo.report_of(session, submission)
    assert stored is not None
    row = regrades.create_regrade(
        session, challenge_id=challenge_id, version=version, selection={}, actor="test"
    )
    shadow = regrades.add_shadow(session, row.id, submission)
    if finished:
        regrades.claim_shadow(session, shadow.id, 600)
        regrades.finish_shadow(
            session,
            shadow.id,
            status=stored.status,
            overall=stored.overall,
            report=stored.report,
            artifacts=stored.artifacts,
        )
        regrades.mark_ready_if_finished(session, row.id)
    return row.id


def matrix_regrades(settings: Settings, graded: str) -> dict[str, str]:
    """For the role matrix (tests/api/test_roles.py), made once per server: a ``ready``, a
    ``running`` and a ``published`` regrade, on a challenge of their own so that starting
    one of word-frequency stays possible. Their shadow result for ``graded`` is its current
    report, so publishing them changes nothing another test reads."""
    url = settings.effective_database_url
    if url in _MATRIX:
        return _MATRIX[url]
    ids: dict[str, str] = {}
    with session_scope(url) as session:
        repo.upsert_challenge(
            session,
            challenge_id="regrade-matrix",
            title="For the role matrix",
            language="python",
            source=str(WORD_FREQUENCY),
            version="m1",
            commit=None,
            root=str(WORD_FREQUENCY),
            skills=[],
            test_count=0,
        )
        for state in ("ready", "running", "published"):
            ids[state] = regrade_to_same(
                session, "regrade-matrix", "m1", graded, finished=state != "running"
            )
    regrade.publish(url, ids["published"], "test")
    _MATRIX[url] = ids
    return ids
