"""Regrades without Docker, on SQLite and PostgreSQL: selection, the diff, publication in one
transaction, discarding, and what the round shows meanwhile (the exports' rows).

The shadow gradings are finished as the job finishes them (tests/support/regrades.py);
tests/grader/test_regrade_job.py grades for real.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from grader import regrade, regrade_job
from grader.errors import BadInput
from grader.store import regrades
from grader.store.db import session_scope
from grader.store.models import RegradeState, ShadowState, utcnow
from grader.store.results import challenge_results
from tests.store import KINDS, migrated_database
from tests.support.regrades import (
    CHALLENGE,
    Round,
    current,
    finish_shadows,
    seed_round,
    settings_on,
    start_regrade,
)


@pytest.fixture(params=KINDS)
def made(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Round]:
    with migrated_database(str(request.param), tmp_path) as url:
        yield seed_round(settings_on(url, tmp_path / "data"))


def exported(made: Round) -> dict[str | None, tuple[str, float | None, dict[str, float]]]:
    """What the CSV and JSON exports hold: candidate -> status, overall, skills."""
    with session_scope(made.url) as session:
        rows = challenge_results(session, CHALLENGE)
    return {r.candidate: (r.status, r.overall, r.skills) for r in rows}


def view_of(made: Round, regrade_id: str) -> regrade.RegradeView:
    with session_scope(made.url) as session:
        found = regrade.view(session, regrade_id)
        assert found is not None
        session.expunge_all()
        return found


def test_a_regrade_grades_into_shadows_that_the_round_does_not_see(made: Round) -> None:
    before = exported(made)
    started = regrade.start(made.settings, CHALLENGE, actor="admin")
    assert (started.version, started.submissions, started.queued) == ("v2", 3, False)
    assert view_of(made, started.regrade).summary["pending"] == 3
    # ada: partial -> complete (up); bob: complete -> partial (down); cy: failing -> failing
    finish_shadows(made, started.regrade, {"ada": "complete", "bob": "partial", "cy": "failing"})

    shown = view_of(made, started.regrade)
    assert shown.regrade.state == RegradeState.READY
    assert shown.summary == {"up": 1, "down": 1, "unchanged": 1, "errored": 0, "pending": 0}
    ada = next(d for d in shown.diffs if d.candidate == "ada@example.com")
    assert (ada.old_overall, ada.new_overall) == (before["ada@example.com"][1], 100.0)
    assert {t.id.split("::")[1]: (t.old, t.new) for t in ada.tests} == {
        "test_punctuation_separates_words": ("failed", "passed"),
        "test_apostrophes_inside_words_are_kept": ("failed", "passed"),
    }
    assert [(s.name, s.new) for s in ada.skills] == [("programming", 100.0), ("performance", 100.0)]
    cy = next(d for d in shown.diffs if d.candidate == "cy@example.com")
    assert cy.tests == [] and cy.delta == 0
    assert exported(made) == before, "a shadow result reached the exports before publication"


def test_publishing_while_shadow_gradings_run_is_refused(made: Round) -> None:
    regrade_id = start_regrade(made)
    finish_shadows(made, regrade_id, {"ada": "complete"})
    with pytest.raises(BadInput) as refused:
        regrade.publish(made.url, regrade_id, "admin")
    assert str(refused.value) == (
        f"regrade {regrade_id} is still running: 2 shadow grading(s) have not finished; "
        "publish it once it is ready, or discard it"
    )
    assert current(made, "ada")[1] != 100.0


def test_publication_is_one_transaction(made: Round, monkeypatch: pytest.MonkeyPatch) -> None:
    old = {name: current(made, name) for name in made.submissions}
    regrade_id = start_regrade(made)
    finish_shadows(made, regrade_id, {"ada": "complete", "bob": "partial", "cy": "failing"})
    real, calls = regrades.publish_shadow, []

    def failing_midway(*args: Any) -> None:
        calls.append(args)
        if len(calls) == 2:  # the first submission is already swapped in this transaction
            raise RuntimeError("the database went away mid-publication")
        real(*args)

    monkeypatch.setattr(regrades, "publish_shadow", failing_midway)
    with pytest.raises(RuntimeError):
        regrade.publish(made.url, regrade_id, "admin")
    assert {name: current(made, name) for name in made.submissions} == old
    assert view_of(made, regrade_id).regrade.state == RegradeState.READY

    monkeypatch.setattr(regrades, "publish_shadow", real)
    done = regrade.publish(made.url, regrade_id, "token:1 (admin)")
    assert (done.published, done.kept) == (3, 0)
    assert current(made, "ada") == ("graded", 100.0, 100.0)
    assert current(made, "bob")[1] == old["ada"][1]  # bob now has partial's score
    with session_scope(made.url) as session:
        replaced = regrades.published_for(session, made.submissions["ada"])
        assert len(replaced) == 1
        published, shadow = replaced[0]
        assert published.decided_by == "token:1 (admin)" and published.decided_at is not None
        assert shadow.previous is not None and shadow.previous["overall"] == old["ada"][1]
        assert shadow.previous["report"]["overall"] == old["ada"][2]
    # the diff of a published regrade is still the one it made
    assert view_of(made, regrade_id).summary["up"] == 1
    assert exported(made)["ada@example.com"][1] == 100.0


def test_a_failed_shadow_grading_keeps_the_current_result(made: Round) -> None:
    regrade_id = start_regrade(made)
    finish_shadows(made, regrade_id, {"ada": "complete", "bob": "complete", "cy": None})
    shown = view_of(made, regrade_id)
    assert shown.summary == {"up": 1, "down": 0, "unchanged": 1, "errored": 1, "pending": 0}
    cy_before = current(made, "cy")
    done = regrade.publish(made.url, regrade_id, "admin")
    assert (done.published, done.kept) == (2, 1)
    assert current(made, "cy") == cy_before


def test_a_discarded_regrade_changes_nothing_and_its_queued_gradings_are_skipped(
    made: Round,
) -> None:
    before = exported(made)
    regrade_id = start_regrade(made)
    finish_shadows(made, regrade_id, {"ada": "complete"})
    assert regrade.discard(made.url, regrade_id, "admin").state == RegradeState.DISCARDED
    assert exported(made) == before
    with session_scope(made.url) as session:
        queued = [s for s, _sub, _r in regrades.shadows_of(session, regrade_id)]
        waiting = next(s.id for s in queued if s.state == ShadowState.QUEUED)
        assert regrade_job._target(session, waiting, 600) == "skipped"
    with pytest.raises(BadInput, match="is already discarded by admin"):
        regrade.publish(made.url, regrade_id, "admin")
    # a new regrade may start once the last one is decided
    assert start_regrade(made, candidate="bob@example.com")


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        ({"only": "tampered"}, "no finished submission of word-frequency matches the selection"),
        ({"only": "queued"}, "--only takes a final status (error, graded, tampered), not 'queued'"),
        ({"version": "v9"}, "challenge word-frequency has no version 'v9'"),
        ({"candidate": "nobody@example.com"}, "no finished submission of word-frequency matches"),
    ],
)
def test_a_selection_that_grades_nothing_is_refused(
    made: Round, selection: dict[str, str], message: str
) -> None:
    with pytest.raises(BadInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        start_regrade(made, **selection)


def test_one_open_regrade_per_challenge_and_selection_by_candidate(made: Round) -> None:
    first = regrade.start(made.settings, CHALLENGE, candidate="bob@example.com", actor="a")
    assert first.submissions == 1
    with pytest.raises(BadInput, match=f"regrade {first.regrade} of word-frequency is running"):
        start_regrade(made)
    with session_scope(made.url) as session:
        assert regrades.open_regrade(session, CHALLENGE) is not None


def test_a_shadow_grading_is_claimed_once_and_a_lost_one_is_queued_again(made: Round) -> None:
    regrade_id = start_regrade(made, candidate="ada@example.com")
    with session_scope(made.url) as session:
        (shadow, _sub, _report), *_ = regrades.shadows_of(session, regrade_id)
        assert regrades.claim_shadow(session, shadow.id, 600)
        assert not regrades.claim_shadow(session, shadow.id, 600)  # a second copy of the job
        shadow.lease_until = utcnow() - timedelta(seconds=1)  # its worker was killed
        shadow_id = shadow.id
    assert regrade.recover(made.settings) == [shadow_id]
    with session_scope(made.url) as session:
        found = regrades.get_shadow(session, shadow_id)
        assert found is not None and found.state == ShadowState.QUEUED
