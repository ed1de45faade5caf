"""Decisions and comments: the API, its validation, the report page's forms and the webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from grader import notify
from grader.hosting import invitations
from grader.store.db import session_scope
from grader.store.models import AuditRow, WebhookDeliveryRow, utcnow
from tests.api.pages_fixtures import CHALLENGE, World, fresh_world, reports, world
from tests.api.test_notify import SECRET, Receiver, receiver

__all__ = ["fresh_world", "receiver", "reports", "world"]


def invitation_id(world: World) -> str:
    """ada's invitation (the world's candidate token)."""
    return world.own_repo.rsplit("/", 1)[-1].removesuffix(".git")


def invite_eve(world: World) -> str:
    """A candidate invited who never pushes."""
    return str(invitations.invite(world.settings, CHALLENGE, "eve@example.com", "test")["id"])


def decide(world: World, path: str, role: str = "reviewer", **body: Any) -> Any:
    return world.client.post(path, headers=world.auth(role), json=body)


def messages(response: Any) -> str:
    detail = response.json()["detail"]
    return detail if isinstance(detail, str) else " | ".join(d["msg"] for d in detail)


# -- the API -------------------------------------------------------------------------------
def test_a_submission_decision_is_recorded_with_who_and_when(fresh_world: World) -> None:
    ada = fresh_world.submissions["ada"]
    path = f"/api/submissions/{ada}/decisions"
    first = decide(fresh_world, path, decision="hold", notes="  ask about the tests  ")
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["decision"] == "hold" and body["notes"] == "ask about the tests"
    assert body["scope"] == "submission" and body["submission"] == ada
    assert body["invitation"] is None and body["challenge"] == CHALLENGE
    assert body["decided_by"] == "reviewer token" and body["decided_at"].endswith("Z")
    assert decide(fresh_world, path, "admin", decision="advance").status_code == 201

    listed = fresh_world.client.get(path, headers=fresh_world.auth("reviewer")).json()
    assert listed["current"]["decision"] == "advance"
    assert listed["current"]["decided_by"] == "admin token"
    assert [d["decision"] for d in listed["history"]] == ["advance", "hold"]
    with session_scope(fresh_world.settings.effective_database_url) as session:
        audited = session.scalars(
            select(AuditRow.subject).where(AuditRow.action == "decision.record")
        ).all()
    assert audited == [f"submission:{ada}", f"submission:{ada}"]


def test_a_candidate_who_never_pushed_can_be_decided_about(fresh_world: World) -> None:
    eve = invite_eve(fresh_world)
    path = f"/api/invitations/{eve}/decisions"
    assert fresh_world.client.get(path, headers=fresh_world.auth("admin")).json() == {
        "current": None,
        "history": [],
    }
    made = decide(fresh_world, path, decision="reject", notes="no push by the deadline")
    assert made.status_code == 201, made.text
    assert made.json()["scope"] == "candidate" and made.json()["submission"] is None
    current = fresh_world.client.get(path, headers=fresh_world.auth("admin")).json()["current"]
    assert current["invitation"] == eve and current["notes"] == "no push by the deadline"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"decision": "maybe"}, "Input should be 'advance', 'hold' or 'reject'"),
        ({}, "Field required"),
        ({"decision": "hold", "notes": "x" * 10_001}, "at most 10000 characters"),
        ({"decision": "hold", "score": 3}, "Extra inputs are not permitted"),
    ],
)
def test_a_bad_decision_is_a_422_that_says_why(
    world: World, body: dict[str, Any], says: str
) -> None:
    response = decide(world, f"/api/submissions/{world.submissions['ada']}/decisions", **body)
    assert response.status_code == 422
    assert says in messages(response)


def test_deciding_about_what_does_not_exist_is_a_404(world: World) -> None:
    for path in ("/api/submissions/nope/decisions", "/api/invitations/nope/decisions"):
        response = decide(world, path, decision="hold")
        assert response.status_code == 404 and "no such" in response.json()["detail"]


def test_a_candidate_token_may_neither_decide_nor_read_decisions(world: World) -> None:
    ada = world.submissions["ada"]  # the candidate's own submission
    for path in (
        f"/api/submissions/{ada}/decisions",
        f"/api/invitations/{invitation_id(world)}/decisions",
    ):
        assert decide(world, path, "candidate", decision="advance").status_code == 403
        assert world.client.get(path, headers=world.auth("candidate")).status_code == 403
    comments = f"/api/submissions/{ada}/comments"
    assert world.client.get(comments, headers=world.auth("candidate")).status_code == 403


def test_comments_target_a_test_a_finding_or_a_commit(fresh_world: World) -> None:
    ada = fresh_world.submissions["ada"]
    report = fresh_world.reports["ada"]["report"]
    test_id = report["tests"][0]["id"]
    finding = next(f for f in report["skills"]["version_control"]["findings"] if f["commit"])
    path = f"/api/submissions/{ada}/comments"
    targets = [
        {"kind": "test", "id": test_id},
        {"kind": "finding", "id": f"{finding['rule']}@{finding['commit']}"},
        {"kind": "commit", "id": report["history"]["commits"][0]["sha"]},
    ]
    for number, target in enumerate(targets):
        made = decide(fresh_world, path, target=target, body=f"comment {number}")
        assert made.status_code == 201, made.text
        assert made.json()["target"] == target and made.json()["author"] == "reviewer token"
    listed = fresh_world.client.get(path, headers=fresh_world.auth("admin")).json()
    assert [c["body"] for c in listed] == ["comment 0", "comment 1", "comment 2"]


@pytest.mark.parametrize(
    ("target", "body", "says"),
    [
        (
            {"kind": "test", "id": "tests/nope.py::t"},
            "x",
            "the report has no test 'tests/nope.py::t'",
        ),
        (
            {"kind": "finding", "id": "message.wip"},
            "x",
            "name a finding by its rule, then @<commit>",
        ),
        ({"kind": "commit", "id": "abc"}, "x", "give a full commit SHA the report shows"),
        ({"kind": "line", "id": "x"}, "x", "Input should be 'test', 'finding' or 'commit'"),
        ({"kind": "test", "id": ""}, "x", "at least 1 character"),
        (None, "   ", "a comment needs some text"),
    ],
)
def test_a_bad_comment_is_a_422_that_says_why(
    world: World, target: dict[str, str] | None, body: str, says: str
) -> None:
    target = target or {"kind": "test", "id": world.reports["ada"]["report"]["tests"][0]["id"]}
    path = f"/api/submissions/{world.submissions['ada']}/comments"
    response = decide(world, path, target=target, body=body)
    assert response.status_code == 422
    assert says in messages(response)


def test_a_submission_without_a_report_has_nothing_to_comment_on(world: World) -> None:
    path = f"/api/submissions/{world.submissions['dee']}/comments"
    response = decide(world, path, target={"kind": "test", "id": "t"}, body="x")
    assert response.status_code == 422
    assert "has no report yet" in messages(response)


# -- the report page -----------------------------------------------------------------------
def test_the_report_page_records_a_decision_and_a_comment(fresh_world: World) -> None:
    ada = fresh_world.submissions["ada"]
    fresh_world.sign_in()
    page = fresh_world.client.get(f"/submissions/{ada}")
    assert 'id="review"' in page.text and 'id="decide"' in page.text
    test_id = fresh_world.reports["ada"]["report"]["tests"][0]["id"]
    assert f'value="test:{test_id}"' in page.text
    made = fresh_world.client.post(
        f"/submissions/{ada}/decisions",
        data={"decision": "advance", "notes": "<b>strong</b> tests", "scope": "submission"},
        follow_redirects=False,
    )
    assert made.status_code == 303 and made.headers["location"].endswith("#review")
    said = fresh_world.client.post(
        f"/submissions/{ada}/comments",
        data={"target": f"test:{test_id}", "body": "Why does this one fail?"},
        follow_redirects=False,
    )
    assert said.status_code == 303 and "#comment-" in said.headers["location"]
    html = fresh_world.client.get(f"/submissions/{ada}").text
    assert 'class="badge d-advance"' in html
    assert "&lt;b&gt;strong&lt;/b&gt; tests" in html  # escaped
    assert "Why does this one fail?" in html and f'data-target="test:{test_id}"' in html


def test_the_page_forms_say_what_is_wrong(world: World) -> None:
    world.sign_in()
    ada = world.submissions["ada"]
    bad = world.client.post(f"/submissions/{ada}/decisions", data={"decision": "maybe"})
    assert bad.status_code == 422 and "Choose a decision: advance, hold or reject." in bad.text
    alone = world.client.post(
        f"/submissions/{ada}/decisions", data={"decision": "hold", "scope": "candidate"}
    )  # created through the API, without an invitation
    assert alone.status_code == 422 and "has no invitation" in alone.text
    nothing = world.client.post(
        f"/submissions/{ada}/comments", data={"target": "commit:abc", "body": "x"}
    )
    assert nothing.status_code == 422 and "The report has no commit" in nothing.text


def test_the_page_forms_need_a_session(world: World) -> None:
    world.client.cookies.clear()
    ada = world.submissions["ada"]
    response = world.client.post(
        f"/submissions/{ada}/decisions", data={"decision": "hold"}, follow_redirects=False
    )
    assert response.status_code == 303 and "/login" in response.headers["location"]


# -- the webhook ---------------------------------------------------------------------------
def test_a_decision_is_announced_signed(
    fresh_world: World, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fresh_world.settings, "notify_url", receiver.url)
    monkeypatch.setattr(fresh_world.settings, "notify_secret", SECRET)
    ada = fresh_world.submissions["ada"]
    made = decide(fresh_world, f"/api/submissions/{ada}/decisions", decision="advance", notes="ok")
    assert made.status_code == 201
    [(headers, body)] = receiver.received
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Grader-Signature"], expected)
    assert headers["X-Grader-Event"] == "decision.recorded"
    payload = json.loads(body)
    assert payload == {
        "event": "decision.recorded",
        "delivery": int(headers["X-Grader-Delivery"]),
        "decision_id": made.json()["id"],
        "decision": "advance",
        "scope": "submission",
        "submission_id": ada,
        "invitation_id": None,
        "challenge": CHALLENGE,
        "candidate": "ada@example.com",
        "notes": "ok",
        "decided_by": "reviewer token",
        "decided_by_token": made.json()["decided_by_token"],
        "decided_at": made.json()["decided_at"],
        "report_url": f"{fresh_world.settings.public_url}/submissions/{ada}",
    }
    listed = fresh_world.client.get("/api/webhook-deliveries", headers=fresh_world.auth("admin"))
    [row] = listed.json()
    assert (row["event"], row["decision"], row["status"]) == (
        "decision.recorded",
        made.json()["id"],
        "delivered",
    )


def test_a_failed_decision_delivery_is_retried(
    fresh_world: World, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A candidate who never pushed: the delivery has no submission, and is retried as any."""
    monkeypatch.setattr(fresh_world.settings, "notify_url", receiver.url)
    monkeypatch.setattr(fresh_world.settings, "notify_secret", SECRET)
    receiver.codes = [503, 200]
    eve = invite_eve(fresh_world)
    made = decide(fresh_world, f"/api/invitations/{eve}/decisions", decision="reject")
    assert made.status_code == 201  # the receiver's failure is not the reviewer's
    url = fresh_world.settings.effective_database_url
    with session_scope(url) as session:
        row = session.scalars(select(WebhookDeliveryRow)).one()
        assert (row.status, row.attempts, row.last_error) == ("pending", 1, "HTTP 503")
        session.execute(
            update(WebhookDeliveryRow).values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
    assert notify.retry_pending(fresh_world.settings) == 1
    first, second = (json.loads(body) for _headers, body in receiver.received)
    assert first == second and second["candidate"] == "eve@example.com"
    assert second["scope"] == "candidate" and second["submission_id"] is None
    assert second["report_url"] is None
    with session_scope(url) as session:
        assert session.scalars(select(WebhookDeliveryRow.status)).one() == "delivered"
