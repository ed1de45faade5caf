"""Blind review in the store: the setting's sources, an override, reveals; on both databases."""

from __future__ import annotations

import dataclasses

from grader.catalogue import register_challenge
from grader.challenge import load_challenge
from grader.store import decisions, hosted, repo, reveals
from grader.store.db import session_scope
from grader.store.models import Verdict
from grader.store.reveals import BlindSetting, BlindSource
from tests.conftest import WORD_FREQUENCY

CHALLENGE = "word-frequency"


def register(url: str, blind: bool) -> None:
    """The challenge registered as the catalogue does, its manifest saying ``blind``."""
    challenge = dataclasses.replace(load_challenge(WORD_FREQUENCY), review_blind=blind)
    register_challenge(url, challenge, str(WORD_FREQUENCY), 0)


def setting(url: str) -> BlindSetting:
    with session_scope(url) as session:
        return reveals.blind_of(session, CHALLENGE)


def test_the_manifest_decides_until_an_admin_overrides_it(db_url: str) -> None:
    assert setting(db_url) == BlindSetting(False, BlindSource.DEFAULT)
    register(db_url, blind=True)
    assert setting(db_url) == BlindSetting(True, BlindSource.MANIFEST)
    with session_scope(db_url) as session:
        assert reveals.blind_challenges(session) == {CHALLENGE}
        reveals.set_override(session, CHALLENGE, False, "token:1")
    assert setting(db_url) == BlindSetting(False, BlindSource.OVERRIDE, "token:1")
    register(db_url, blind=True)  # a new registration keeps the admin's say
    assert setting(db_url).source == BlindSource.OVERRIDE
    with session_scope(db_url) as session:
        assert reveals.blind_challenges(session) == set()
        reveals.set_override(session, CHALLENGE, None, "token:1")
    assert setting(db_url) == BlindSetting(True, BlindSource.MANIFEST)
    register(db_url, blind=False)
    assert setting(db_url) == BlindSetting(False, BlindSource.DEFAULT)


def test_a_reveal_is_recorded_once_per_candidate_and_challenge(db_url: str) -> None:
    register(db_url, blind=True)
    with session_scope(db_url) as session:
        assert not reveals.is_revealed(session, CHALLENGE, "ann@example.com")
        first, new = reveals.reveal(session, CHALLENGE, "ann@example.com", "token:1")
        assert new and first.revealed_by == "token:1"
    with session_scope(db_url) as session:
        again, new = reveals.reveal(session, CHALLENGE, "ann@example.com", "token:2")
        assert not new and again.revealed_by == "token:1"
        assert reveals.is_revealed(session, CHALLENGE, "ann@example.com")
        assert not reveals.is_revealed(session, CHALLENGE, "bob@example.com")


def test_a_decision_about_a_candidate_or_their_submission_reveals_them(db_url: str) -> None:
    register(db_url, blind=True)
    with session_scope(db_url) as session:
        challenge = repo.get_challenge(session, CHALLENGE)
        assert challenge is not None
        _secret, reviewer = repo.create_token(session, "reviewer", "a reviewer")
        _secret, token = repo.create_token(session, "candidate", "ann's", "Ann@Example.com")
        invitation = hosted.create_invitation(
            session, challenge=challenge, candidate_email="Ann@Example.com", token_id=token.id
        )
        bob = repo.create_submission(
            session,
            challenge=challenge,
            repo="https://git.example.com/bob.git",
            ref="main",
            candidate_email="bob@example.com",
        )
        anonymous = repo.create_submission(
            session, challenge=challenge, repo="https://git.example.com/anon.git", ref="main"
        )
        for key in ("ann@example.com", "bob@example.com", "https://git.example.com/anon.git"):
            assert not reveals.is_revealed(session, CHALLENGE, key)
        record = decisions.record_decision
        record(session, decisions.Subject.of_invitation(invitation), Verdict.ADVANCE, "", reviewer)
        record(session, decisions.Subject.of_submission(bob), Verdict.REJECT, "", reviewer)
    with session_scope(db_url) as session:
        assert reveals.is_revealed(session, CHALLENGE, "ann@example.com")  # by the invitation
        assert reveals.is_revealed(session, CHALLENGE, "bob@example.com")  # by a submission
        assert not reveals.is_revealed(session, CHALLENGE, "https://git.example.com/anon.git")
        assert not reveals.is_revealed(session, "another-challenge", "ann@example.com")
        record = decisions.record_decision
        record(session, decisions.Subject.of_submission(anonymous), Verdict.HOLD, "", reviewer)
    with session_scope(db_url) as session:
        assert reveals.is_revealed(session, CHALLENGE, "https://git.example.com/anon.git")
