"""Erasing a candidate's rows, on SQLite and PostgreSQL: two candidates, one erased, the
other and the challenge untouched; the audit log keeps the fact, not the person."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.store import decisions, deliveries, erasure, hosted, repo, retention, similarity
from grader.store.db import session_scope
from grader.store.models import (
    AuditRow,
    Base,
    ChallengeRow,
    ChallengeVersionRow,
    CommentTarget,
    ErasureRow,
    InvitationRow,
    PushRow,
    ReportRow,
    SubmissionRow,
    Verdict,
    utcnow,
)
from tests.store.repo_fixtures import add_challenge, finish

ANN, BOB = "Ann@Example.com", "bob@example.com"


def add_candidate(session: Session, email: str) -> dict[str, Any]:
    """An invited candidate with a push, a graded submission and all that hangs off it."""
    challenge = repo.get_challenge(session, "word-frequency") or add_challenge(session)
    _secret, token = repo.create_token(session, "candidate", f"invitation for {email}", email)
    invitation = hosted.create_invitation(
        session, challenge=challenge, candidate_email=email, token_id=token.id
    )
    hosted.record_push(
        session,
        invitation_id=invitation.id,
        ref="refs/heads/main",
        old=None,
        new="a" * 40,
        commits=["a" * 40],
        forced=False,
    )
    repo.audit(session, "admin", "invitation.create", invitation.id, {"candidate": email})
    repo.audit(session, f"token:{token.id}", "git.push", invitation.id, {"refs": {}})
    row = repo.create_submission(
        session,
        challenge=challenge,
        repo=f"http://testserver/git/{invitation.id}.git",
        ref="main",
        candidate_email=email,
        invitation_id=invitation.id,
        submitted_by=token.id,
    )
    finish(session, row.id, key=f"key-{email}")
    deliveries.create_delivery(session, row.id, "https://hooks.example.com/graded")
    # A reviewer's decisions about the submission and the candidate, a comment, and the
    # delivery that announced a decision: they name the candidate's work too.
    _secret, reviewer = repo.create_token(session, "reviewer", "a reviewer")
    decisions.record_decision(
        session, decisions.Subject.of_submission(row), Verdict.HOLD, "close call", reviewer
    )
    decided = decisions.record_decision(
        session, decisions.Subject.of_invitation(invitation), Verdict.ADVANCE, "", reviewer
    )
    decisions.add_comment(session, row, CommentTarget.COMMIT, "a" * 40, "tidy", reviewer)
    deliveries.create_delivery(
        session,
        None,
        "https://hooks.example.com/d",
        event="decision.recorded",
        decision_id=decided.id,
    )
    similarity.save_fingerprints(session, row.id, "word-frequency", 1, {"files": {}})
    session.flush()
    return {"submission": row.id, "invitation": invitation.id, "token": token.id}


def compared(session: Session, submission: str, others: list[str]) -> None:
    matches = [{"other": o, "kind": "submission", "similarity": 0.9} for o in others]
    report = {"compared": 9, "starter": None, "references": [], "submissions": matches}
    similarity.save_result(session, submission, "word-frequency", 0.5, report)


def everything(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table but the erasures' record and the audit log, as dicts."""
    with session_scope(url) as session:
        out = {}
        for table in Base.metadata.sorted_tables:
            if table.name in ("erasures", "audit_events"):
                continue
            out[table.name] = [dict(r._mapping) for r in session.execute(select(table))]
        return out


def erase(url: str, email: str) -> dict[str, int]:
    with session_scope(url) as session:
        erasure_id = erasure.begin(session, email, "admin", "request").id
    with session_scope(url) as session:
        erasure.erase_rows(session, erasure_id, email)
    with session_scope(url) as session:
        return erasure.finish(session, erasure_id, {"repositories": 0})


def test_erasing_one_candidate_removes_their_rows_and_nothing_else(db_url: str) -> None:
    with session_scope(db_url) as session:
        ann, bob = add_candidate(session, ANN), add_candidate(session, BOB)
        compared(session, bob["submission"], [ann["submission"]])
        compared(session, ann["submission"], [bob["submission"]])
    before = everything(db_url)
    ann_decisions = {
        r["id"]
        for r in before["decisions"]
        if ann["submission"] in (r["submission_id"], r["invitation_id"])
        or ann["invitation"] in (r["submission_id"], r["invitation_id"])
    }
    ann_hooks = {r["id"] for r in before["webhook_deliveries"] if r["decision_id"] in ann_decisions}

    counts = erase(db_url, "  ann@EXAMPLE.com ")  # case and blanks do not matter

    assert counts == {
        "similarity_mentions": 1,
        "decision_deliveries": 1,
        "decisions": 2,
        "comments": 1,
        "submission_events": 2,
        "reports": 1,
        "shadow_results": 0,
        "webhook_deliveries": 1,
        "fingerprints": 1,
        "similarity_results": 1,
        "submissions": 1,
        "pushes": 1,
        "invitations": 1,
        "tokens": 1,
        "audit_redacted": 1,
        "repositories": 0,
    }
    after = everything(db_url)
    dump = repr(after).lower()
    assert "ann@example.com" not in dump
    for ident in (ann["submission"], ann["invitation"]):
        assert ident not in dump
    # bob's rows and the challenge's are exactly as they were, but his comparison's match.
    for table, rows in before.items():
        if table == "similarity_results":
            continue
        kept = [r for r in rows if "ann@example.com" not in repr(r).lower()]
        kept = [r for r in kept if ann["submission"] not in repr(r)]
        kept = [r for r in kept if ann["invitation"] not in repr(r)]
        kept = [r for r in kept if not (table == "tokens" and r["id"] == ann["token"])]
        kept = [r for r in kept if table != "webhook_deliveries" or r["id"] not in ann_hooks]
        kept = [r for r in kept if table != "decisions" or r["id"] not in ann_decisions]
        assert after[table] == kept, table
    with session_scope(db_url) as session:
        stored = similarity.result_of(session, bob["submission"])
        assert stored is not None
        assert stored.report["submissions"] == [] and stored.report["erased"] == 1
        assert session.scalar(select(func.count()).select_from(ChallengeRow)) == 1
        assert session.scalar(select(func.count()).select_from(ChallengeVersionRow)) == 1


def test_the_audit_log_keeps_the_erasure_and_loses_the_email(db_url: str) -> None:
    with session_scope(db_url) as session:
        add_candidate(session, ANN)
        add_candidate(session, BOB)
    erase(db_url, ANN)
    with session_scope(db_url) as session:
        rows = session.scalars(select(AuditRow).order_by(AuditRow.id)).all()
        record = session.scalars(select(ErasureRow)).one()
        audit = [(r.actor, r.action, r.subject, r.detail) for r in rows]
        kept = repr([(e.email_hash, e.salt, e.identifiers, e.counts, e.actor) for e in [record]])
    assert "ann@example.com" not in repr(audit).lower() and "ann@example.com" not in kept.lower()
    assert ("admin", "invitation.create") in [(a, b) for a, b, _s, _d in audit]
    assert {"candidate": "[erased]"} in [d for _a, _b, _s, d in audit]
    assert {"candidate": BOB} in [d for _a, _b, _s, d in audit]  # bob's is untouched
    erased = [(a, s, d) for a, b, s, d in audit if b == erasure.ACTION]
    assert erased == [("admin", record.id, {"reason": "request", "counts": record.counts})]
    assert record.state == erasure.State.DONE and record.finished_at is not None


def test_erasing_again_erases_nothing_and_a_half_done_erasure_is_finished(db_url: str) -> None:
    with session_scope(db_url) as session:
        add_candidate(session, ANN)
        erasure_id = erasure.begin(session, ANN, "admin", "request").id
    # A crash here: marked, nothing removed. Asking again takes the same erasure up.
    with session_scope(db_url) as session:
        again = erasure.begin(session, ANN.upper(), "admin", "request")
        assert again.id == erasure_id and len(again.identifiers["submissions"]) == 1
    with session_scope(db_url) as session:
        erasure.erase_rows(session, erasure_id, ANN)
    with session_scope(db_url) as session:
        assert [r.id for r in erasure.unfinished_files(session)] == [erasure_id]
        erasure.finish(session, erasure_id, {})
    assert sum(erase(db_url, ANN).values()) == 0
    with session_scope(db_url) as session:
        assert session.scalar(select(func.count()).select_from(ErasureRow)) == 2


def test_a_result_stored_for_an_erased_submission_is_refused(db_url: str) -> None:
    with session_scope(db_url) as session:
        ann = add_candidate(session, ANN)
        running = repo.create_submission(
            session,
            challenge=repo.get_challenge(session, "word-frequency"),  # type: ignore[arg-type]
            repo="http://testserver/git/x.git",
            ref="main",
            candidate_email=ANN,
        )
        assert repo.claim(session, running.id, "worker", 600)
    erase(db_url, ANN)  # while it runs
    with session_scope(db_url) as session:
        assert not repo.finish(
            session,
            running.id,
            status="graded",
            overall=1.0,
            report={},
            artifacts=None,
            commit="c" * 40,
            dedupe_key=None,
        )
    with session_scope(db_url) as session:
        assert session.get(SubmissionRow, running.id) is None
        assert session.get(ReportRow, running.id) is None
        assert session.scalar(select(func.count()).select_from(SubmissionRow)) == 0
        assert erasure.invitation_erased(session, ann["invitation"])
        assert session.get(InvitationRow, ann["invitation"]) is None


def test_a_token_of_an_erased_candidate_is_known_as_erased(db_url: str) -> None:
    with session_scope(db_url) as session:
        secret, _row = repo.create_token(session, "candidate", "x", ANN)
        other, _row = repo.create_token(session, "candidate", "y", BOB)
    erase(db_url, ANN)
    with session_scope(db_url) as session:
        assert repo.token_for_secret(session, secret) is None
        assert erasure.token_erased(session, repo.hash_token(secret))
        assert not erasure.token_erased(session, repo.hash_token(other))
        assert repo.token_for_secret(session, other) is not None


def test_retention_finds_the_candidates_inactive_since_before_a_moment(db_url: str) -> None:
    with session_scope(db_url) as session:
        add_candidate(session, ANN)
        add_candidate(session, BOB)
        busy = repo.create_submission(
            session,
            challenge=repo.get_challenge(session, "word-frequency"),  # type: ignore[arg-type]
            repo="/repos/c.git",
            ref="main",
            candidate_email="cy@example.com",
        )
        assert busy.status == "queued"
        old = utcnow() - timedelta(days=40)
        for model in (InvitationRow, SubmissionRow):
            for row in session.scalars(select(model)):
                row.created_at = old
        for push in session.scalars(select(PushRow)):
            push.received_at = old
        hosted.record_push(  # bob pushed yesterday
            session,
            invitation_id=session.scalars(
                select(InvitationRow.id).where(InvitationRow.candidate_email == BOB)
            ).one(),
            ref="refs/heads/main",
            old=None,
            new="b" * 40,
            commits=[],
            forced=False,
        )
    with session_scope(db_url) as session:
        due = retention.inactive_candidates(session, utcnow() - timedelta(days=30))
        everyone = retention.inactive_candidates(session, utcnow() + timedelta(days=1))
    assert due == [ANN]  # bob pushed since; cy has a grading queued
    assert everyone == [ANN, BOB]


def test_a_round_is_open_until_its_deadline_whatever_the_last_push(db_url: str) -> None:
    with session_scope(db_url) as session:
        add_candidate(session, ANN)
        add_candidate(session, BOB)
        old = utcnow() - timedelta(days=40)
        for model in (InvitationRow, SubmissionRow):
            for row in session.scalars(select(model)):
                row.created_at = old
        for push in session.scalars(select(PushRow)):
            push.received_at = old
        bob = session.scalars(select(InvitationRow).where(InvitationRow.candidate_email == BOB))
        bob.one().due_at = utcnow() - timedelta(days=5)  # his round closed 5 days ago
    with session_scope(db_url) as session:
        assert retention.inactive_candidates(session, utcnow() - timedelta(days=30)) == [ANN]
        assert retention.inactive_candidates(session, utcnow() - timedelta(days=2)) == [ANN, BOB]
