"""Time-boxed invitations through plain `git` against a real server: what a push hears.

The server's clock is grader.hosting.deadlines.clock, replaced here (the server runs in
this process), so "one second after the deadline" needs no sleeping.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from grader.hosting import deadlines, repositories
from grader.store.db import session_scope
from grader.store.models import AuditRow, PushRow, SubmissionRow
from grader.timestamps import rfc3339
from tests.api.conftest import (
    WORD_FREQUENCY,
    LiveServer,
    bearer,
    candidate_git,
    create_token,
    register_without_docker,
    with_credentials,
)

SOLUTION = WORD_FREQUENCY / "solution" / "wordfreq.py"
T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)


@dataclass
class Round:
    server: LiveServer
    admin: str
    reviewer: str
    set_clock: Callable[[datetime], None]

    def invite(self, email: str = "ada@example.com", **window: str) -> dict[str, Any]:
        body = {"challenge": "word-frequency", "candidate": email, **window}
        response = self.api("POST", "/api/invitations", self.admin, json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def api(self, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, self.server.url + path, headers=bearer(token), **kwargs)

    def main(self, invitation_id: str) -> str:
        bare = repositories.repository_path(self.server.settings, invitation_id)
        return subprocess.run(
            ["git", "--git-dir", str(bare), "rev-parse", "refs/heads/main"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    def rows(self, model: Any) -> list[Any]:
        with session_scope(self.server.settings.effective_database_url) as session:
            return list(session.scalars(select(model)))


@pytest.fixture
def round_(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Round:
    register_without_docker(live_server.settings)
    now = [T0]
    monkeypatch.setattr(deadlines, "clock", lambda: now[0])

    def set_clock(moment: datetime) -> None:
        now[0] = moment

    return Round(
        live_server,
        create_token(live_server.settings, "admin"),
        create_token(live_server.settings, "reviewer"),
        set_clock,
    )


def clone(created: dict[str, Any], dest: Path, token: str | None = None) -> Any:
    url = with_credentials(created["clone_url"], token or created["token"])
    return candidate_git(dest.parent, "clone", url, dest.name)


def commit(work: Path, name: str = "wordfreq.py", message: str = "Count words") -> str:
    if name == "wordfreq.py":
        shutil.copy(SOLUTION, work / name)
    else:
        (work / name).write_text(f"{message}\n")
    assert candidate_git(work, "add", "-A").returncode == 0
    assert candidate_git(work, "commit", "-q", "-m", message).returncode == 0
    return candidate_git(work, "rev-parse", "HEAD").stdout.strip()


def test_an_accepted_push_says_how_much_time_is_left(round_: Round, tmp_path: Path) -> None:
    due = T0 + timedelta(hours=2)
    created = round_.invite(due_at=rfc3339(due))
    work = tmp_path / "ada"
    assert clone(created, work).returncode == 0
    readme = (work / "README.md").read_text()
    assert f"**Deadline:** {rfc3339(due)} (UTC). A push after the deadline is refused." in readme
    sha = commit(work)
    round_.set_clock(T0 + timedelta(seconds=61))

    pushed = candidate_git(work, "push", "origin", "main")

    assert pushed.returncode == 0, pushed.stderr
    assert f"remote: grader: {sha[:12]} on main queued for grading" in pushed.stderr
    assert f"remote: grader: 1h 58m left until the deadline, {rfc3339(due)}" in pushed.stderr


def test_a_push_one_second_after_the_deadline_is_refused_with_the_reason(
    round_: Round, tmp_path: Path
) -> None:
    due = T0 + timedelta(hours=1)
    created = round_.invite(due_at=rfc3339(due))
    work = tmp_path / "ada"
    assert clone(created, work).returncode == 0
    seed = round_.main(created["id"])
    commit(work)
    round_.set_clock(due + timedelta(seconds=1))

    refused = candidate_git(work, "push", "origin", "main")

    assert refused.returncode != 0
    reason = f"the deadline passed at {rfc3339(due)}; pushes are no longer accepted"
    assert f"remote: error: {reason}" in refused.stderr
    assert f"[remote rejected] main -> main ({reason})" in refused.stderr
    arrived = rfc3339(due + timedelta(seconds=1))
    assert (
        f"remote: grader: the deadline was {rfc3339(due)} (UTC); this push arrived at {arrived}"
        in refused.stderr
    )
    assert round_.main(created["id"]) == seed
    assert round_.rows(SubmissionRow) == [] and round_.rows(PushRow) == []
    assert "git.push.refused" in [a.action for a in round_.rows(AuditRow)]

    # A reviewer extends the deadline (audited with the old and new), and the same push goes.
    extended = round_.api(
        "POST", f"/api/invitations/{created['id']}/extend", round_.reviewer, json={"by": "1h"}
    )
    assert extended.status_code == 200, extended.text
    assert extended.json()["deadline"]["due_at"] == rfc3339(due + timedelta(hours=1))
    [audit] = [a for a in round_.rows(AuditRow) if a.action == "invitation.extend"]
    assert audit.detail == {
        "old": {"due_at": rfc3339(due), "duration": None},
        "new": {"due_at": rfc3339(due + timedelta(hours=1)), "duration": None},
    }
    assert audit.actor.startswith("token:")
    again = candidate_git(work, "push", "origin", "main")
    assert again.returncode == 0, again.stderr
    assert "59m 59s left until the deadline" in again.stderr


def test_accept_late_records_the_push_as_late_and_grades_the_last_in_time(
    round_: Round, tmp_path: Path
) -> None:
    due = T0 + timedelta(hours=1)
    created = round_.invite(due_at=rfc3339(due), late="accept-late")
    work = tmp_path / "ada"
    assert clone(created, work).returncode == 0
    commit(work)
    assert candidate_git(work, "push", "origin", "main").returncode == 0
    round_.set_clock(due + timedelta(seconds=1))
    commit(work, "notes.md", "Add notes after the deadline")

    pushed = candidate_git(work, "push", "origin", "main")

    assert pushed.returncode == 0, pushed.stderr
    assert (
        f"remote: grader: this push is late: the deadline was {rfc3339(due)}; "
        "it is recorded as late" in pushed.stderr
    )
    in_time, late = sorted(round_.rows(SubmissionRow), key=lambda s: s.late)
    assert (in_time.late, late.late) == (False, True)
    assert [p.late for p in sorted(round_.rows(PushRow), key=lambda p: p.id)] == [False, True]
    path = f"/api/invitations/{created['id']}"
    assert round_.api("GET", path, round_.reviewer).json()["graded_submission"] == in_time.id

    chosen = round_.api("PUT", f"{path}/graded", round_.reviewer, json={"submission": late.id})
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["graded_submission"] == late.id and chosen.json()["graded_chosen"]
    [audit] = [a for a in round_.rows(AuditRow) if a.action == "invitation.graded"]
    assert audit.detail == {"old": None, "new": late.id}
    foreign = round_.api("PUT", f"{path}/graded", round_.admin, json={"submission": "x" * 36})
    assert foreign.status_code == 400 and "not one of this invitation's" in foreign.text


def test_a_revoked_token_opens_nothing_and_the_repository_is_kept(
    round_: Round, tmp_path: Path
) -> None:
    created = round_.invite()
    work = tmp_path / "ada"
    assert clone(created, work).returncode == 0
    commit(work)
    path = f"/api/invitations/{created['id']}/revoke"
    assert round_.api("POST", path, round_.reviewer).status_code == 200

    pushed = candidate_git(work, "push", "origin", "main")
    cloned = clone(created, tmp_path / "again")

    for answer in (pushed, cloned):
        assert answer.returncode != 0
        assert "remote: this invitation was revoked at " in answer.stderr
        assert "403" in answer.stderr
    api = round_.api("GET", "/api/challenges", created["token"])
    assert api.status_code == 401 and "this invitation was revoked" in api.json()["detail"]
    assert repositories.repository_path(round_.server.settings, created["id"]).is_dir()
    assert clone(created, tmp_path / "admin", token=round_.admin).returncode == 0
    # Revoked, it no longer holds the place: the candidate may be invited again.
    again = round_.invite()
    assert again["id"] != created["id"] and again["token"]


def test_a_resend_replaces_the_token(round_: Round, tmp_path: Path) -> None:
    created = round_.invite()
    resent = round_.api("POST", f"/api/invitations/{created['id']}/resend", round_.admin)
    assert resent.status_code == 200, resent.text
    fresh = resent.json()
    assert fresh["clone_url"] == created["clone_url"] and fresh["token"] != created["token"]

    old = clone(created, tmp_path / "old")
    assert old.returncode != 0
    assert "remote: this token was revoked (a newer one may have been sent to you)" in old.stderr
    assert clone(fresh, tmp_path / "new").returncode == 0
    [audit] = [a for a in round_.rows(AuditRow) if a.action == "invitation.resend"]
    assert audit.detail["old_token"] != audit.detail["new_token"]


def test_nothing_is_cloned_before_the_window_opens(round_: Round, tmp_path: Path) -> None:
    opens = T0 + timedelta(hours=1)
    created = round_.invite(opens_at=rfc3339(opens), duration="3h")
    assert created["deadline"]["due_at"] == rfc3339(opens + timedelta(hours=3))

    early = clone(created, tmp_path / "early")

    assert early.returncode != 0
    assert f"remote: this invitation opens at {rfc3339(opens)}; come back then" in early.stderr
    assert clone(created, tmp_path / "admin", token=round_.admin).returncode == 0
    round_.set_clock(opens)
    assert clone(created, tmp_path / "ada").returncode == 0


def test_a_duration_starts_at_the_first_clone(round_: Round, tmp_path: Path) -> None:
    created = round_.invite(duration="72h")
    assert created["deadline"]["due_at"] is None and created["started_at"] is None
    path = f"/api/invitations/{created['id']}"
    assert clone(created, tmp_path / "admin", token=round_.admin).returncode == 0
    assert round_.api("GET", path, round_.admin).json()["started_at"] is None  # admins: no clock

    round_.set_clock(T0 + timedelta(minutes=10))
    assert clone(created, tmp_path / "ada").returncode == 0
    round_.set_clock(T0 + timedelta(minutes=20))
    assert clone(created, tmp_path / "twice").returncode == 0

    shown = round_.api("GET", path, round_.reviewer).json()
    start = T0 + timedelta(minutes=10)
    assert shown["started_at"] == rfc3339(start)
    assert shown["deadline"]["due_at"] == rfc3339(start + timedelta(hours=72))
    assert shown["deadline"]["seconds_left"] == 72 * 3600 - 600
