"""Invitations and the pushes they receive, against a real database, SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from grader.hosting import deadlines
from grader.store import hosted, repo
from grader.store.db import session_scope
from grader.store.models import AuditRow, ChallengeRow, InvitationRow
from tests.store.repo_fixtures import T0, add_challenge, aware


def test_push_times_keep_when_each_commit_first_arrived(db_url: str) -> None:
    with session_scope(db_url) as session:
        challenge = add_challenge(session)
        _secret, token = repo.create_token(session, "candidate", candidate_email="c@example.com")
        mine = hosted.create_invitation(
            session, challenge=challenge, candidate_email="c@example.com", token_id=token.id
        )
        theirs = hosted.create_invitation(
            session, challenge=challenge, candidate_email="d@example.com", token_id=token.id
        )
        ids = (mine.id, theirs.id)
    pushes = [
        (ids[0], None, "b", ["a", "b"], T0),
        (ids[1], None, "x", ["x", "c"], T0 - timedelta(hours=1)),
        (ids[0], "b", "c", ["b", "c"], T0 + timedelta(minutes=5)),
        (ids[0], "c", "d", ["d"], T0 + timedelta(minutes=9)),
    ]
    for invitation, old, new, commits, at in pushes:
        with session_scope(db_url) as session:
            row = hosted.record_push(
                session,
                invitation_id=invitation,
                ref="refs/heads/main",
                old=old,
                new=new,
                commits=commits,
                forced=False,
            )
            row.received_at = at
    with session_scope(db_url) as session:
        times = {sha: aware(at) for sha, at in hosted.push_times(session, ids[0]).items()}
        assert hosted.push_times(session, "no-such-invitation") == {}
    assert times == {
        "a": T0,
        "b": T0,
        "c": T0 + timedelta(minutes=5),
        "d": T0 + timedelta(minutes=9),
    }


def test_pushes_are_counted_per_invitation_and_limited_by_their_audit_times(db_url: str) -> None:
    with session_scope(db_url) as session:
        challenge = add_challenge(session)
        _secret, token = repo.create_token(session, "candidate", candidate_email="c@example.com")
        first, second = (
            hosted.create_invitation(
                session, challenge=challenge, candidate_email=email, token_id=token.id
            ).id
            for email in ("c@example.com", "d@example.com")
        )
        for ref in ("refs/heads/main", "refs/heads/topic"):
            hosted.record_push(
                session,
                invitation_id=first,
                ref=ref,
                old=None,
                new="a" * 40,
                commits=[],
                forced=False,
            )
        moments = [T0 - timedelta(hours=2), T0 - timedelta(minutes=30), T0 - timedelta(minutes=1)]
        for at, action in zip(moments, ("git.push", "webhook.push", "git.push"), strict=True):
            session.add(AuditRow(actor="t", action=action, subject=first, detail={}, at=at))
        session.add(AuditRow(actor="t", action="git.push.refused", subject=first, detail={}, at=T0))
        session.add(AuditRow(actor="t", action="git.push", subject=second, detail={}, at=T0))
    with session_scope(db_url) as session:
        assert hosted.push_counts(session) == {first: 2}
        since = [aware(at) for at in hosted.pushes_since(session, first, T0 - timedelta(hours=1))]
        assert since == moments[1:]  # oldest first; refusals and other invitations left out
        listed = [row.id for row in hosted.list_invitations(session)]
        assert sorted(listed) == sorted([first, second])


def test_every_attempt_and_every_forced_push_of_an_invitation_is_kept(db_url: str) -> None:
    with session_scope(db_url) as session:
        challenge = add_challenge(session)
        _secret, token = repo.create_token(session, "candidate", candidate_email="c@example.com")
        mine, theirs = (
            hosted.create_invitation(
                session, challenge=challenge, candidate_email=email, token_id=token.id
            ).id
            for email in ("c@example.com", "d@example.com")
        )
        made = []
        for n, invitation in enumerate((mine, theirs, mine, mine)):
            row = repo.create_submission(
                session, challenge=challenge, repo="r", ref="main", invitation_id=invitation
            )
            row.created_at = T0 + timedelta(minutes=n)
            made.append(row.id)
        for old, new, forced in ((None, "a", False), ("a", "b", False), ("b", "c", True)):
            hosted.record_push(
                session,
                invitation_id=mine,
                ref="refs/heads/main",
                old=old,
                new=new,
                commits=[new],
                forced=forced,
            )
    with session_scope(db_url) as session:
        attempts = [row.id for row in hosted.attempts_of(session, mine)]
        forced = [(p.old_commit, p.new_commit) for p in hosted.forced_pushes(session, mine)]
        assert hosted.forced_pushes(session, theirs) == []
    assert attempts == [made[0], made[2], made[3]]
    assert forced == [("b", "c")]


# -- time-boxed invitations ------------------------------------------------------------------
def _invite(session: Session, challenge: ChallengeRow, email: str, **window: Any) -> InvitationRow:
    _secret, token = repo.create_token(session, "candidate", candidate_email=email)
    return hosted.create_invitation(
        session, challenge=challenge, candidate_email=email, token_id=token.id, **window
    )


def test_an_invitation_keeps_its_window_and_a_deadline_is_computed_from_it(db_url: str) -> None:
    with session_scope(db_url) as session:
        challenge = add_challenge(session)
        due = _invite(session, challenge, "a@example.com", due_at=T0, late_policy="accept-late")
        timed = _invite(session, challenge, "b@example.com", opens_at=T0, duration_s=3600)
        ids = (due.id, timed.id)
    with session_scope(db_url) as session:
        due, timed = (hosted.get_invitation(session, i) for i in ids)
        assert due is not None and timed is not None
        assert deadlines.deadline_of(due, T0).due_at == T0
        assert deadlines.deadline_of(due, T0).late_policy == deadlines.LatePolicy.ACCEPT_LATE
        assert deadlines.time_left(timed, T0) == timedelta(hours=1)
        assert timed.late_policy == "refuse" and timed.revoked_at is None


def test_the_clock_starts_once_however_many_first_clones(db_url: str) -> None:
    with session_scope(db_url) as session:
        invitation_id = _invite(session, add_challenge(session), "a@example.com", duration_s=60).id
    with session_scope(db_url) as session:
        assert hosted.mark_started(session, invitation_id, T0) is True
    with session_scope(db_url) as session:
        assert hosted.mark_started(session, invitation_id, T0 + timedelta(hours=1)) is False
    with session_scope(db_url) as session:
        row = hosted.get_invitation(session, invitation_id)
        assert row is not None and aware(row.started_at) == T0


def test_a_second_invitation_finds_the_first_unless_it_was_revoked(db_url: str) -> None:
    with session_scope(db_url) as session:
        challenge = add_challenge(session)
        other = add_challenge(session, "other-task")
        first = _invite(session, challenge, "a@example.com")
        _invite(session, other, "a@example.com")
        found = hosted.open_invitation_for(session, challenge.id, "a@example.com")
        assert found is not None and found.id == first.id
        assert hosted.open_invitation_for(session, challenge.id, "b@example.com") is None
        first.revoked_at = T0
        session.flush()
        assert hosted.open_invitation_for(session, challenge.id, "a@example.com") is None
        assert [
            r.challenge_id for r in hosted.list_invitations(session, challenge_id=other.id)
        ] == [other.id]


def test_a_revoked_token_is_told_apart_from_an_unknown_one(db_url: str) -> None:
    with session_scope(db_url) as session:
        challenge = add_challenge(session)
        secret, token = repo.create_token(session, "candidate", candidate_email="a@example.com")
        invitation = hosted.create_invitation(
            session, challenge=challenge, candidate_email="a@example.com", token_id=token.id
        )
        assert hosted.revoked_token(session, secret) is None  # live
        token.revoked = True
        session.flush()
        found = hosted.revoked_token(session, secret)
        assert found is not None and found[1] is not None and found[1].id == invitation.id
        assert hosted.revoked_token(session, "grd_unknown") is None


def test_the_graded_submission_is_the_last_in_time_unless_one_is_chosen(db_url: str) -> None:
    with session_scope(db_url) as session:
        challenge = add_challenge(session)
        invitation = _invite(session, challenge, "a@example.com")
        made = []
        for minutes, late in ((0, False), (5, False), (10, True)):
            row = repo.create_submission(
                session,
                challenge=challenge,
                repo="r",
                ref="main",
                invitation_id=invitation.id,
                candidate_email="a@example.com",
            )
            row.created_at, row.late = T0 + timedelta(minutes=minutes), late
            made.append(row.id)
        session.flush()
        assert [s.id for s in hosted.submissions_of_invitation(session, invitation.id)] == made
        graded = hosted.graded_submission(session, invitation)
        assert graded is not None and graded.id == made[1]
        invitation.graded_submission_id = made[2]
        graded = hosted.graded_submission(session, invitation)
        assert graded is not None and graded.id == made[2]
