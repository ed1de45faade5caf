"""Decisions and comments against a real database, SQLite and PostgreSQL alike."""

from __future__ import annotations

from sqlalchemy import select

from grader.store import decisions, hosted, repo
from grader.store.db import session_scope
from grader.store.decisions import Subject
from grader.store.deliveries import create_delivery
from grader.store.models import AuditRow, CommentTarget, Verdict, WebhookDeliveryRow
from tests.store.repo_fixtures import add_challenge, submit


def setup(db_url: str) -> tuple[str, str, int]:
    """A submission by ada, an invitation of bob (no push yet), a reviewer token's id."""
    submission = submit(db_url, candidate_email="ada@example.com")
    with session_scope(db_url) as session:
        challenge = repo.get_challenge(session, "word-frequency") or add_challenge(session)
        _secret, reviewer = repo.create_token(session, "reviewer", "Rita")
        invitation = hosted.create_invitation(
            session, challenge=challenge, candidate_email="bob@example.com", token_id=reviewer.id
        )
        return submission, invitation.id, reviewer.id


def test_the_newest_decision_is_current_and_the_history_is_kept(db_url: str) -> None:
    submission, invitation, reviewer = setup(db_url)
    with session_scope(db_url) as session:
        token = repo.get_token(session, reviewer)
        assert token is not None
        subject = Subject("word-frequency", submission_id=submission)
        decisions.record_decision(session, subject, Verdict.HOLD, "ask about tests", token)
        decisions.record_decision(session, subject, Verdict.ADVANCE, "", token)
        about_bob = Subject("word-frequency", invitation_id=invitation)
        decisions.record_decision(session, about_bob, Verdict.REJECT, "never pushed", token)
    with session_scope(db_url) as session:
        rows = decisions.history(session, Subject("word-frequency", submission_id=submission))
        assert [(r.verdict, r.notes, r.actor) for r in rows] == [
            ("advance", "", "Rita"),
            ("hold", "ask about tests", "Rita"),
        ]
        current = decisions.current_decisions(session, "word-frequency")
        assert current.of_submission(submission).verdict == "advance"  # type: ignore[union-attr]
        assert current.of_candidate("bob@example.com").verdict == "reject"  # type: ignore[union-attr]
        assert current.of_candidate("ada@example.com") is None  # not invited
        assert decisions.newest([None, *rows]) is rows[0]
        audited = session.scalars(
            select(AuditRow).where(AuditRow.action == "decision.record").order_by(AuditRow.id)
        ).all()
        assert [(a.actor, a.subject, a.detail["verdict"]) for a in audited] == [
            (f"token:{reviewer}", f"submission:{submission}", "hold"),
            (f"token:{reviewer}", f"submission:{submission}", "advance"),
            (f"token:{reviewer}", f"invitation:{invitation}", "reject"),
        ]


def test_comments_are_kept_in_order_and_audited(db_url: str) -> None:
    submission, _invitation, reviewer = setup(db_url)
    with session_scope(db_url) as session:
        token = repo.get_token(session, reviewer)
        row = repo.get_submission(session, submission)
        assert token is not None and row is not None
        decisions.add_comment(session, row, CommentTarget.TEST, "tests/a.py::t", "why?", token)
        decisions.add_comment(session, row, CommentTarget.COMMIT, "a" * 40, "big commit", token)
    with session_scope(db_url) as session:
        found = decisions.comments_of(session, submission)
        assert [(c.target_kind, c.target_id, c.body) for c in found] == [
            ("test", "tests/a.py::t", "why?"),
            ("commit", "a" * 40, "big commit"),
        ]
        audited = session.scalars(select(AuditRow).where(AuditRow.action == "comment.add")).all()
        assert [a.detail["target"] for a in audited] == ["test:tests/a.py::t", f"commit:{'a' * 40}"]


def test_a_decision_delivery_needs_no_submission(db_url: str) -> None:
    """A candidate who never pushed can be decided about, and that is announced too."""
    _submission, invitation, reviewer = setup(db_url)
    with session_scope(db_url) as session:
        token = repo.get_token(session, reviewer)
        assert token is not None
        subject = Subject("word-frequency", invitation_id=invitation)
        decision = decisions.record_decision(session, subject, Verdict.REJECT, "", token)
        delivery = create_delivery(
            session, None, "http://x", event="decision.recorded", decision_id=decision.id
        )
    with session_scope(db_url) as session:
        row = session.get(WebhookDeliveryRow, delivery)
        assert row is not None
        assert (row.submission_id, row.event, row.decision_id) == (
            None,
            "decision.recorded",
            decision.id,
        )
        graded = create_delivery(session, submit(db_url), "http://x")
        assert session.get(WebhookDeliveryRow, graded).event == "grading.completed"  # type: ignore[union-attr]
