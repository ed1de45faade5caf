"""Managing invitations: one validator for the CLI and the API, duplicates, windows, changes.

The CLI runs as a candidate's hiring manager runs it (a subprocess on the same data
folder), so "the CLI and the API refuse the same values" is checked end to end.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from grader.config import Settings
from grader.hosting import repositories
from grader.store import repo
from grader.store.db import session_scope
from grader.store.models import AuditRow
from tests.api.conftest import WORD_FREQUENCY, bearer, register_without_docker

CANDIDATE = "ada@example.com"


def grader_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GRADER_DATA_DIR": str(settings.data_dir)}
    env.pop("GRADER_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def post(client: TestClient, token: str, **body: Any) -> Any:
    body = {"challenge": "word-frequency", "candidate": CANDIDATE, **body}
    return client.post("/api/invitations", json=body, headers=bearer(token))


def repositories_made(settings: Settings) -> list[Path]:
    return sorted((settings.data_dir / "repos").glob("*.git"))


def test_the_cli_no_longer_invites_a_bad_email(api_settings: Settings, word_frequency: str) -> None:
    done = grader_cli(api_settings, "invite", "--challenge", word_frequency, "--candidate", "bad")

    assert done.returncode == 2, done.stdout + done.stderr
    assert "candidate: 'bad' is not an email address" in done.stderr
    assert done.stdout == "" and repositories_made(api_settings) == []


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"candidate": "bad"}, "candidate: 'bad' is not an email address"),
        ({"duration": "72"}, "duration: '72' is not a whole number of days, hours and/or minutes"),
        ({"late": "later"}, "late: 'later' is not 'refuse' or 'accept-late'"),
        ({"due_at": "2030-01-01 09:00"}, "due_at: '2030-01-01 09:00' is not an RFC 3339 time"),
        ({"due_at": "2020-01-01T09:00:00Z"}, "due_at: must be in the future"),
        (
            {"due_at": "2030-01-01T09:00:00Z", "duration": "3d"},
            "due_at and duration: give one or the other, not both",
        ),
    ],
)
def test_the_cli_and_the_api_refuse_the_same_values_with_the_same_words(
    client: TestClient,
    tokens: dict[str, str],
    api_settings: Settings,
    word_frequency: str,
    options: dict[str, str],
    problem: str,
) -> None:
    values = {"challenge": word_frequency, "candidate": CANDIDATE, **options}
    flags = [part for key, v in values.items() for part in (f"--{key.replace('_', '-')}", v)]

    response = post(client, tokens["admin"], **options)
    done = grader_cli(api_settings, "invite", *flags)

    assert response.status_code == 422
    assert problem in " ".join(error["msg"] for error in response.json()["detail"])
    assert done.returncode == 2 and problem in done.stderr
    assert repositories_made(api_settings) == []


def test_a_second_invitation_returns_the_first(
    client: TestClient, tokens: dict[str, str], api_settings: Settings, word_frequency: str
) -> None:
    first = post(client, tokens["admin"])
    assert first.status_code == 201

    second = post(client, tokens["admin"], duration="3d")
    by_cli = grader_cli(
        api_settings, "invite", "--challenge", word_frequency, "--candidate", CANDIDATE
    )

    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"] and second.json()["existing"] is True
    assert second.json()["token"] is None
    assert by_cli.returncode == 0 and f'"id": "{first.json()["id"]}"' in by_cli.stdout
    assert len(repositories_made(api_settings)) == 1
    listed = client.get("/api/invitations", headers=bearer(tokens["reviewer"])).json()
    assert [row["id"] for row in listed] == [first.json()["id"]]


def test_a_challenge_deadline_table_is_the_invitations_default(
    client: TestClient, tokens: dict[str, str], api_settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "word-frequency"
    subprocess.run(["cp", "-r", str(WORD_FREQUENCY), str(folder)], check=True)
    manifest = folder / "challenge.toml"
    manifest.write_text(
        manifest.read_text() + '\n[deadline]\nduration = "2d"\nlate = "accept-late"\n'
    )
    register_without_docker(api_settings, folder)

    default = post(client, tokens["admin"]).json()
    own = post(client, tokens["admin"], candidate="bob@example.com", late="refuse").json()

    assert default["deadline"]["duration"] == "2d"
    assert default["deadline"]["late_policy"] == "accept-late"
    assert (own["deadline"]["duration"], own["deadline"]["late_policy"]) == ("2d", "refuse")
    bare = repositories.repository_path(api_settings, default["id"])
    readme = subprocess.run(
        ["git", "--git-dir", str(bare), "show", "main:README.md"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # The generated README (grader/hosting/readme.py) keeps the starter's own and says
    # the invitation's window in its grading section.
    own = (WORD_FREQUENCY / "starter" / "README.md").read_text().strip().splitlines()
    assert own[-1] in readme  # its text, under the challenge's title
    assert (
        "- **Deadline:** 2d from your first clone. "
        "A push after the deadline is accepted and marked late.\n"
    ) in readme


def test_invitations_are_listed_by_challenge_and_shown(
    client: TestClient, tokens: dict[str, str], api_settings: Settings, word_frequency: str
) -> None:
    created = post(client, tokens["admin"], due_at="2030-01-01T09:00:00Z").json()
    staff = bearer(tokens["reviewer"])

    shown = client.get(f"/api/invitations/{created['id']}", headers=staff).json()
    assert shown["deadline"]["due_at"] == "2030-01-01T09:00:00Z"
    assert shown["deadline"]["seconds_left"] > 0 and "token" not in shown
    assert client.get("/api/invitations?challenge=other", headers=staff).json() == []
    assert len(client.get("/api/invitations?challenge=word-frequency", headers=staff).json()) == 1
    for missing in ("00000000-0000-4000-8000-000000000000", "not-an-id"):
        assert client.get(f"/api/invitations/{missing}", headers=staff).status_code == 404
    cli = grader_cli(api_settings, "invitations", "list", "--challenge", word_frequency)
    assert cli.returncode == 0
    assert cli.stdout.startswith(f"{created['id']}\tword-frequency\t{CANDIDATE}\tdue 2030-01-01")


def test_extensions_are_checked_the_same_way(
    client: TestClient, tokens: dict[str, str], api_settings: Settings, word_frequency: str
) -> None:
    plain = post(client, tokens["admin"]).json()
    due = post(client, tokens["admin"], candidate="b@example.com", due_at="2030-01-01T09:00:00Z")
    staff = bearer(tokens["reviewer"])

    def extend(invitation: str, **body: str) -> Any:
        return client.post(f"/api/invitations/{invitation}/extend", json=body, headers=staff)

    assert extend(due.json()["id"], by="soon").status_code == 422
    assert extend(due.json()["id"]).status_code == 422
    earlier = extend(due.json()["id"], to="2029-01-01T00:00:00Z")
    assert earlier.status_code == 400 and "not later than the deadline" in earlier.text
    none = extend(plain["id"], by="1h")
    assert none.status_code == 400 and "no deadline to extend" in none.text
    cli = grader_cli(api_settings, "invitations", "extend", due.json()["id"], "--to", "2031-01-01")
    assert cli.returncode == 2 and "to: '2031-01-01' is not an RFC 3339 time" in cli.stderr
    cli = grader_cli(api_settings, "invitations", "extend", due.json()["id"], "--by", "1d")
    assert cli.returncode == 0 and '"due_at": "2030-01-02T09:00:00Z"' in cli.stdout


def test_a_revoked_invitation_is_kept_and_can_be_neither_extended_nor_resent(
    client: TestClient, tokens: dict[str, str], api_settings: Settings, word_frequency: str
) -> None:
    created = post(client, tokens["admin"], duration="72h").json()
    path = f"/api/invitations/{created['id']}"

    revoked = grader_cli(api_settings, "invitations", "revoke", created["id"])

    assert revoked.returncode == 0 and '"revoked_at": "' in revoked.stdout
    again = client.post(f"{path}/revoke", headers=bearer(tokens["reviewer"]))
    assert again.status_code == 200 and again.json()["revoked_at"]
    for action, body in (("extend", {"by": "1h"}), ("resend", None)):
        refused = client.post(f"{path}/{action}", json=body, headers=bearer(tokens["admin"]))
        assert refused.status_code == 400 and "was revoked at" in refused.text
    assert repositories.repository_path(api_settings, created["id"]).is_dir()
    with session_scope(api_settings.effective_database_url) as session:
        assert repo.token_for_secret(session, created["token"]) is None
        actions = list(session.scalars(select(AuditRow.action)))
    assert actions.count("invitation.revoke") == 1
