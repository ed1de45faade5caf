"""A challenge's results as CSV and JSON, and the webhook deliveries list."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

from grader import notify
from grader.store import hosted, repo
from grader.store.db import session_scope
from grader.timestamps import rfc3339
from tests.api.pages_fixtures import CHALLENGE, World, fresh_world, reports, world

__all__ = ["fresh_world", "reports", "world"]


def test_the_json_export_has_one_entry_per_submission(world: World) -> None:
    response = world.client.get(
        f"/api/challenges/{CHALLENGE}/results.json", headers=world.auth("reviewer")
    )
    assert response.status_code == 200
    data = response.json()
    assert data["challenge"] == CHALLENGE
    assert data["skills"] == ["programming", "performance", "version_control"]
    by_id = {r["submission"]: r for r in data["results"]}
    assert world.submissions["ada"] in by_id and world.submissions["dee"] in by_id
    for name in ("ada", "bob", "cy"):
        row, report = by_id[world.submissions[name]], world.reports[name]["report"]
        assert row["status"] == "graded" and row["overall"] == report["overall"]
        assert row["skills"] == {k: v["score"] for k, v in report["skills"].items()}
        assert row["commit"] == world.reports[name]["commit"]
        assert datetime.fromisoformat(row["graded_at"]).tzinfo is not None
    queued = by_id[world.submissions["dee"]]
    assert queued["status"] == "queued" and queued["skills"] == {} and queued["graded_at"] is None


def test_the_csv_export_has_a_column_per_skill(world: World) -> None:
    response = world.client.get(
        f"/api/challenges/{CHALLENGE}/results.csv", headers=world.auth("admin")
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == [
        "submission",
        "candidate",
        "repo",
        "status",
        "overall",
        "programming",
        "performance",
        "version_control",
        "commit",
        "submitted_at",
        "graded_at",
        "decision",
        "decided_by",
        "decided_at",
        "decision_notes",
        "candidate_decision",
        "candidate_decided_by",
        "candidate_decided_at",
        "candidate_decision_notes",
    ]
    by_candidate = {r["candidate"]: r for r in rows}
    bob = world.reports["bob"]["report"]
    assert float(by_candidate["bob@example.com"]["overall"]) == bob["overall"]
    assert float(by_candidate["bob@example.com"]["programming"]) == 100.0
    assert by_candidate["dee@example.com"]["programming"] == ""
    assert by_candidate["dee@example.com"]["graded_at"] == ""


def test_a_cell_is_never_a_spreadsheet_formula(fresh_world: World) -> None:
    with session_scope(fresh_world.settings.effective_database_url) as session:
        challenge = repo.get_challenge(session, CHALLENGE)
        assert challenge is not None
        repo.create_submission(
            session,
            challenge=challenge,
            repo='=HYPERLINK("http://evil.example")',
            ref=None,
            candidate_email="=cmd|' /C calc'!A0@example.com",
        )
    text = fresh_world.client.get(
        f"/api/challenges/{CHALLENGE}/results.csv", headers=fresh_world.auth("admin")
    ).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert all(not r["candidate"].startswith("=") for r in rows)
    assert any(r["candidate"].startswith("'=cmd") for r in rows)
    assert any(r["repo"].startswith("'=HYPERLINK") for r in rows)


def test_the_exports_carry_the_current_decisions(fresh_world: World) -> None:
    """ada's submission was decided twice; bob, invited, was decided about as a candidate."""
    world, staff = fresh_world, fresh_world.auth("reviewer")
    ada = f"/api/submissions/{world.submissions['ada']}/decisions"
    world.client.post(ada, headers=staff, json={"decision": "hold"})
    made = world.client.post(ada, headers=staff, json={"decision": "advance", "notes": "=1+1"})
    bob = world.tokens["other"]  # bob's candidate token: his invitation
    with session_scope(world.settings.effective_database_url) as session:
        token = repo.token_for_secret(session, bob)
        assert token is not None
        invitation = hosted.invitation_of_token(session, token.id)
        assert invitation is not None
        path = f"/api/invitations/{invitation.id}/decisions"
    world.client.post(path, headers=staff, json={"decision": "reject", "notes": "no tests"})

    text = world.client.get(f"/api/challenges/{CHALLENGE}/results.csv", headers=staff).text
    by_candidate = {r["candidate"]: r for r in csv.DictReader(io.StringIO(text))}
    assert by_candidate["ada@example.com"]["decision"] == "advance"
    assert by_candidate["ada@example.com"]["decided_by"] == "reviewer token"
    assert by_candidate["ada@example.com"]["decided_at"] == made.json()["decided_at"]
    assert by_candidate["ada@example.com"]["decision_notes"] == "'=1+1"  # never a formula
    assert by_candidate["ada@example.com"]["candidate_decision"] == ""
    assert by_candidate["bob@example.com"]["decision"] == ""
    assert by_candidate["bob@example.com"]["candidate_decision"] == "reject"
    assert by_candidate["bob@example.com"]["candidate_decision_notes"] == "no tests"

    data = world.client.get(f"/api/challenges/{CHALLENGE}/results.json", headers=staff).json()
    by_email = {r["candidate"]: r for r in data["results"]}
    assert by_email["ada@example.com"]["decision"]["decision"] == "advance"
    assert by_email["ada@example.com"]["decision"]["notes"] == "=1+1"
    assert by_email["ada@example.com"]["candidate_decision"] is None
    assert by_email["bob@example.com"]["candidate_decision"]["decision"] == "reject"
    assert by_email["bob@example.com"]["candidate_decision"]["scope"] == "candidate"
    assert by_email["cy@example.com"]["decision"] is None


def test_an_unknown_challenge_is_a_404(world: World) -> None:
    for suffix in ("csv", "json"):
        response = world.client.get(
            f"/api/challenges/nope/results.{suffix}", headers=world.auth("admin")
        )
        assert response.status_code == 404
        assert "no such challenge" in response.json()["detail"]


def test_deliveries_are_listed_for_admins(fresh_world: World) -> None:
    config = notify.NotifyConfig("http://127.0.0.1:9/hook", "s3cret")
    for name, code in (("ada", 204), ("bob", 500)):
        notify.notify_graded(
            fresh_world.settings,
            fresh_world.submissions[name],
            config,
            post=lambda _u, _b, _h, code=code: code,  # type: ignore[misc]
        )
    listed = fresh_world.client.get("/api/webhook-deliveries", headers=fresh_world.auth("admin"))
    assert listed.status_code == 200
    by_submission = {d["submission"]: d for d in listed.json()}
    ada, bob = (by_submission[fresh_world.submissions[n]] for n in ("ada", "bob"))
    assert ada["status"] == "delivered" and ada["response_code"] == 204 and ada["attempts"] == 1
    assert bob["status"] == "pending" and bob["last_error"] == "HTTP 500"
    assert bob["next_attempt_at"] is not None
    failed_only = fresh_world.client.get(
        "/api/webhook-deliveries?status=pending", headers=fresh_world.auth("admin")
    ).json()
    assert [d["submission"] for d in failed_only] == [fresh_world.submissions["bob"]]
    one = fresh_world.client.get(
        f"/api/webhook-deliveries?submission={fresh_world.submissions['ada']}",
        headers=fresh_world.auth("admin"),
    ).json()
    assert len(one) == 1


def test_a_bad_delivery_filter_is_a_422(world: World) -> None:
    for query in ("status=lost", "limit=0", "limit=abc"):
        response = world.client.get(f"/api/webhook-deliveries?{query}", headers=world.auth("admin"))
        assert response.status_code == 422, query


RFC3339_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def test_every_timestamp_is_rfc3339_in_utc_with_z(world: World) -> None:
    """One format everywhere: the submissions list and detail, both exports, the report."""
    admin = world.auth("admin")
    listed = world.client.get("/api/submissions", headers=admin).json()
    stamps = [row["created_at"] for row in listed]
    detail = world.client.get(f"/api/submissions/{world.submissions['ada']}", headers=admin)
    stamps += [detail.json()["created_at"], detail.json()["updated_at"]]
    stamps += [event["at"] for event in detail.json()["history"] or []]
    exported = world.client.get(f"/api/challenges/{CHALLENGE}/results.json", headers=admin)
    for row in exported.json()["results"]:
        stamps += [row["submitted_at"], *([row["graded_at"]] if row["graded_at"] else [])]
    table = world.client.get(f"/api/challenges/{CHALLENGE}/results.csv", headers=admin)
    for row in csv.DictReader(io.StringIO(table.text)):
        stamps += [row["submitted_at"], *([row["graded_at"]] if row["graded_at"] else [])]
    assert len(stamps) > 10
    assert [s for s in stamps if not RFC3339_Z.match(s)] == []


def test_the_timestamp_format_reads_naive_database_times_as_utc() -> None:
    naive = datetime(2026, 12, 5, 12, 45, 29)
    assert rfc3339(naive) == "2026-12-05T12:45:29Z"
    assert rfc3339(naive.replace(microsecond=120)) == "2026-12-05T12:45:29.000120Z"
    assert rfc3339(datetime.fromisoformat("2026-12-05T13:45:29+01:00")) == "2026-12-05T12:45:29Z"
