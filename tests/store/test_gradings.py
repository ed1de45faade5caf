"""Held gradings and a candidate's submissions, against SQLite and PostgreSQL alike."""

from __future__ import annotations

from grader.store import gradings, hosted, repo
from grader.store.db import session_scope
from grader.store.models import SubmissionStatus
from tests.store.repo_fixtures import add_challenge


def test_held_submissions_are_not_counted_until_released(db_url: str) -> None:
    with session_scope(db_url) as session:
        challenge = add_challenge(session)
        _secret, token = repo.create_token(session, "candidate", candidate_email="c@example.com")
        invitation = hosted.create_invitation(
            session, challenge=challenge, candidate_email="c@example.com", token_id=token.id
        )
        rows = [
            repo.create_submission(
                session, challenge=challenge, repo="r", ref="main", invitation_id=invitation.id
            )
            for _ in range(3)
        ]
        gradings.hold(session, rows[2], "not graded: past the limit")
        invitation_id, ids = invitation.id, [r.id for r in rows]
    with session_scope(db_url) as session:
        assert gradings.gradings_used(session, invitation_id) == 2
        assert gradings.hold_reason(session, ids[2]) == "not graded: past the limit"
        listed = gradings.of_invitation(session, invitation_id)
        assert sorted(r.id for r in listed) == sorted(ids)
        assert listed[0].created_at >= listed[-1].created_at
        held = repo.get_submission(session, ids[2])
        assert held is not None and held.status == SubmissionStatus.HELD
        assert gradings.release(session, held, "released by token:1")
        assert not gradings.release(session, held, "twice")
    with session_scope(db_url) as session:
        assert gradings.gradings_used(session, invitation_id) == 3
        events = [(e.status, e.detail) for e in repo.events_of(session, ids[2])]
        assert events[-2:] == [
            ("held", "not graded: past the limit"),
            ("queued", "released by token:1"),
        ]
