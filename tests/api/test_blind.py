"""Blind review, checked on every GET route of the app: nothing a reviewer can reach names
a blinded candidate.

The routes are read from the app itself (``app.routes``), so a route added
later is called too: each path parameter is filled with the real ids of the
blinded world (tests/api/blind_fixtures.py), and a route whose parameter has no
ids here fails, naming the route and the parameter. Every answer (JSON, HTML,
CSV, an error) is searched for every blinded candidate's email, repositories and
Blanche's name from her commits. The same walk as an admin, and as a reviewer
after an admin revealed her, finds them.
"""

from __future__ import annotations

import itertools
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from starlette.routing import BaseRoute

from api.deps import session_secret
from api.identity import pseudonym
from grader.hosting import repositories
from grader.hosting.repositories import clone_url
from grader.store import repo
from grader.store.db import session_scope
from grader.store.models import AuditRow, InvitationRow, SubmissionRow
from tests.api.blind_fixtures import EMAIL, NAME, Blinded, build_blinded
from tests.api.pages_fixtures import CHALLENGE, reports

__all__ = ["reports"]

PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
SKIPPED = {"/openapi.json", "/docs"}  # the API's own description: no data in it


def get_routes(routes: list[BaseRoute], prefix: str = "") -> Iterator[str]:
    """Every GET path of the app, through included routers (FastAPI keeps them nested)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from get_routes(included.routes, prefix + route.include_context.prefix)  # type: ignore[attr-defined]
        elif "GET" in (getattr(route, "methods", None) or ()):
            yield prefix + route.path  # type: ignore[attr-defined]


def fills(blinded: Blinded) -> dict[str, list[str]]:
    """Real ids for each path parameter: a route with another parameter fails loudly."""
    return {
        "submission_id": blinded.submissions,
        "challenge_id": [CHALLENGE],
        "invitation_id": [blinded.invitation],
        "name": [f"{blinded.invitation}.git"],  # the hosted repository
        "other": [blinded.compared, blinded.copy],  # a similar pair, both ways
        "regrade_id": [blinded.regrade],  # published: the result it replaced is linked
        "sha": her_commits(blinded),  # each commit's diff page
        "version": [challenge_version(blinded)],  # a worker's bundle (a reviewer gets 403)
    }


def challenge_version(blinded: Blinded) -> str:
    with session_scope(blinded.world.settings.effective_database_url) as session:
        challenge = repo.get_challenge(session, CHALLENGE)
        assert challenge is not None
        return challenge.current_version


def her_commits(blinded: Blinded) -> list[str]:
    """Her commits in her hosted repository, newest first (the seeded starter's last)."""
    bare = repositories.repository_path(blinded.world.settings, blinded.invitation)
    listed = subprocess.run(
        ["git", "rev-list", "main"], cwd=bare, capture_output=True, text=True, check=True
    )
    return listed.stdout.split()


def queries(blinded: Blinded) -> dict[str, list[dict[str, str]]]:
    commits = [{"commit": sha} for sha in her_commits(blinded)]
    return {
        "/submissions/{submission_id}/code": [{}, {"path": "wordfreq.py"}],
        "/api/submissions/{submission_id}/code/file": [{"path": "wordfreq.py"}],
        "/api/submissions/{submission_id}/diff": [{}, *commits],
        "/": [{}, {"sort": "candidate", "order": "asc"}],
        "/api/submissions": [{}, {"candidate": EMAIL}, {"challenge": CHALLENGE}],
        "/challenges/{challenge_id}/compare": [{"ids": ",".join(blinded.submissions)}],
        "/git/{name}/info/refs": [{"service": "git-upload-pack"}],
    }


@dataclass
class Walk:
    bodies: dict[str, list[str]] = field(default_factory=dict)  # url -> body
    statuses: dict[str, list[int]] = field(default_factory=dict)  # route -> statuses

    def text(self) -> str:
        return "\n".join(b for bodies in self.bodies.values() for b in bodies)


def walk(blinded: Blinded, role: str) -> Walk:
    """Every GET route called with every combination of real ids, as ``role`` (its bearer
    token and its page session both)."""
    world = blinded.world
    world.client.cookies.clear()
    world.sign_in(role)
    done = Walk()
    values, extra = fills(blinded), queries(blinded)
    for path in sorted(set(get_routes(world.app.routes)) - SKIPPED):
        names = PARAM.findall(path)
        missing = [n for n in names if n not in values]
        assert not missing, (
            f"GET {path} needs {missing}: add real ids for them to fills() in {__file__}, "
            "so that blind review is checked on this route"
        )
        for combo in itertools.product(*(values[n] for n in names)):
            filled = dict(zip(names, combo, strict=True))
            url = PARAM.sub(lambda m, ids=filled: ids[m.group(1)], path)
            for params in extra.get(path, [{}]):
                response = world.client.get(url, params=params, headers=world.auth(role))
                done.bodies.setdefault(f"{url}?{params}", []).append(response.text)
                done.statuses.setdefault(path, []).append(response.status_code)
    world.client.cookies.clear()
    return done


def secrets_of_the_round(blinded: Blinded, but: str | None = None) -> set[str]:
    """Every blinded candidate's email and repository URLs, and Blanche's name and email's
    local part; ``but``: leave out this candidate's."""
    found = {NAME, EMAIL.split("@")[0]} if but != EMAIL else set()
    with session_scope(blinded.world.settings.effective_database_url) as session:
        for row in session.scalars(select(SubmissionRow)):
            if row.candidate_email != but:
                found |= {row.repo, row.repo.removesuffix(".git")}
                found |= {row.candidate_email} if row.candidate_email else set()
        for invitation in session.scalars(select(InvitationRow)):
            if invitation.candidate_email != but:
                url = clone_url(blinded.world.settings, invitation.id)
                found |= {invitation.candidate_email, url}
    return found


def leaks(done: Walk, secrets: set[str]) -> list[str]:
    return [
        f"{url} shows {secret!r}"
        for url, bodies in done.bodies.items()
        for body in bodies
        for secret in sorted(secrets)
        if secret.lower() in body.lower()
    ]


NOT_FOUND = {400, 404, 422}  # the ids (or queries) given did not fit the route


def unreachable_with_ids(done: Walk) -> list[str]:
    """Routes that no call answered with a 2xx and some refused as not found: the ids
    filled in are not right for them (a refusal for the role, 401/403, is not this;
    nor is 503, a health check without Redis)."""
    return [
        f"GET {path} answered {sorted(set(statuses))} to every call with real ids"
        for path, statuses in done.statuses.items()
        if not any(200 <= s < 300 for s in statuses) and set(statuses) & NOT_FOUND
    ]


@pytest.fixture(scope="module")
def blinded(
    tmp_path_factory: pytest.TempPathFactory, reports: dict[str, dict[str, Any]]
) -> Iterator[Blinded]:
    yield from build_blinded(tmp_path_factory.mktemp("blind"), reports)


@pytest.fixture
def fresh_blinded(tmp_path: Path, reports: dict[str, dict[str, Any]]) -> Iterator[Blinded]:
    yield from build_blinded(tmp_path, reports)


def alias(blinded: Blinded, email: str) -> str:
    return pseudonym(session_secret(blinded.world.settings), CHALLENGE, email)


# -- a reviewer --------------------------------------------------------------------------
def test_no_route_a_reviewer_reaches_names_a_blinded_candidate(blinded: Blinded) -> None:
    done = walk(blinded, "reviewer")
    assert not unreachable_with_ids(done)
    assert not leaks(done, secrets_of_the_round(blinded))
    reached = {p for p, s in done.statuses.items() if any(200 <= c < 300 for c in s)}
    assert {
        "/",
        "/submissions/{submission_id}",
        "/api/submissions/{submission_id}/report",
    } <= reached
    assert alias(blinded, EMAIL) in done.text()


def test_a_reviewer_sees_the_pseudonym_and_masked_commits(blinded: Blinded) -> None:
    world, her = blinded.world, alias(blinded, EMAIL)
    api = world.client.get(f"/api/submissions/{blinded.graded}", headers=world.auth("reviewer"))
    assert api.json()["candidate"] == her and api.json()["blinded"] is True
    assert api.json()["repo"] == "(repository hidden: blind review)"
    report = world.client.get(
        f"/api/submissions/{blinded.graded}/report", headers=world.auth("reviewer")
    ).json()
    assert report["sandbox"]["image"] == "grader-python:test"  # the seed's author is not hers
    subjects = [c["subject"] for c in report["history"]["commits"]][-2:]
    assert subjects == [
        f"Count words (asked by {her})",
        f"Break ties by the word, as {her} suggested",
    ]
    world.sign_in("reviewer")
    page = world.client.get(f"/submissions/{blinded.graded}").text
    world.client.cookies.clear()
    assert f"<h1>{her}" in page and 'id="blinded"' in page


def test_an_email_filter_does_not_confirm_a_guess(blinded: Blinded) -> None:
    world = blinded.world
    by_email = world.client.get(
        "/api/submissions", params={"candidate": EMAIL}, headers=world.auth("reviewer")
    )
    assert by_email.status_code == 200 and by_email.json() == []
    by_alias = world.client.get(
        "/api/submissions",
        params={"candidate": alias(blinded, EMAIL)},
        headers=world.auth("reviewer"),
    )
    assert {s["id"] for s in by_alias.json()} == {blinded.graded, blinded.failed, blinded.compared}


# -- an admin, and a reveal ----------------------------------------------------------------
def test_an_admin_sees_every_identity(blinded: Blinded) -> None:
    text = walk(blinded, "admin").text()
    for shown in (EMAIL, NAME, blinded.clone_url, "gus@example.com", "ada@example.com"):
        assert shown in text, shown


def test_a_reveal_shows_her_to_reviewers_and_no_one_else(fresh_blinded: Blinded) -> None:
    world = fresh_blinded.world
    refused = world.client.post(
        f"/api/submissions/{fresh_blinded.graded}/reveal", headers=world.auth("reviewer")
    )
    assert refused.status_code == 403
    revealed = world.client.post(
        f"/api/submissions/{fresh_blinded.graded}/reveal", headers=world.auth("admin")
    )
    assert revealed.status_code == 200, revealed.text
    body = revealed.json()
    assert body["candidate"] == EMAIL and body["revealed"] is True
    assert body["pseudonym"] == alias(fresh_blinded, EMAIL)
    done = walk(fresh_blinded, "reviewer")
    text = done.text()
    for shown in (EMAIL, NAME, fresh_blinded.clone_url):
        assert shown in text, shown
    assert not leaks(done, secrets_of_the_round(fresh_blinded, but=EMAIL))
    with session_scope(world.settings.effective_database_url) as session:
        actions = [r.action for r in session.scalars(select(AuditRow))]
    assert "identity.reveal" in actions and "review.blind" in actions


def test_a_reviewer_cannot_clone_a_blinded_candidate_until_a_decision(
    fresh_blinded: Blinded,
) -> None:
    """A pack carries the authors' names: a reviewer's clone waits for the reveal, which a
    decision about the candidate brings (grader/store/reveals.py)."""
    world, refs = fresh_blinded.world, f"/git/{fresh_blinded.invitation}.git/info/refs"
    params = {"service": "git-upload-pack"}

    def advertise(role: str) -> Any:
        return world.client.get(refs, params=params, auth=("x", world.tokens[role]))

    refused = advertise("reviewer")
    assert refused.status_code == 403 and "blind review" in refused.text
    assert advertise("admin").status_code == 200  # admins see identities always
    decided = world.client.post(
        f"/api/invitations/{fresh_blinded.invitation}/decisions",
        json={"decision": "advance"},
        headers=world.auth("reviewer"),
    )
    assert decided.status_code == 201, decided.text
    assert advertise("reviewer").status_code == 200
    shown = world.client.get(
        f"/api/submissions/{fresh_blinded.graded}", headers=world.auth("reviewer")
    ).json()
    assert shown["candidate"] == EMAIL and shown["blinded"] is False
