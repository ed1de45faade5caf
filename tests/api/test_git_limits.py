"""Hosted repositories' limits and the smart HTTP protocol's edges, against a real server:
the push and size limits as `git push` tells them, and requests git would never send."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from grader.store.db import session_scope
from grader.store.models import AuditRow
from tests.api.conftest import candidate_git
from tests.api.git_fixtures import Hosting, clone, commit_solution, hosted

__all__ = ["hosted"]


# -- limits ------------------------------------------------------------------------------------
def test_the_push_limit_is_told_in_git_push_output_and_moves_no_ref(
    hosted: Hosting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hosted.server.settings, "max_pushes_per_hour", 1)
    work = tmp_path / "ada"
    assert clone(hosted.ada, hosted.ada.token, work).returncode == 0
    first = commit_solution(work)
    assert candidate_git(work, "push", "origin", "main").returncode == 0
    (work / "more.md").write_text("more\n")
    candidate_git(work, "add", "-A")
    candidate_git(work, "commit", "-q", "-m", "Add more")

    refused = candidate_git(work, "push", "origin", "main")

    assert refused.returncode != 0
    assert "push limit reached: at most 1 pushes an hour" in refused.stderr
    assert hosted.main(hosted.ada) == first
    assert len(hosted.submissions()) == 1


def test_a_push_past_the_size_limit_is_refused_with_the_reason(
    hosted: Hosting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hosted.server.settings, "max_hosted_repo_mb", 1)
    work = tmp_path / "ada"
    assert clone(hosted.ada, hosted.ada.token, work).returncode == 0
    before = hosted.main(hosted.ada)
    (work / "data.bin").write_bytes(os.urandom(3 << 20))  # random: git cannot compress it
    commit_solution(work, "Add a large file")

    refused = candidate_git(work, "push", "origin", "main")

    assert refused.returncode != 0
    assert "remote: error: repository size limit (1 MB)" in refused.stderr
    assert "[remote rejected] main -> main (repository size limit" in refused.stderr
    assert hosted.main(hosted.ada) == before
    assert hosted.submissions() == [] and hosted.pushes() == []
    with session_scope(hosted.server.settings.effective_database_url) as session:
        actions = session.scalars(select(AuditRow.action)).all()
    assert "git.push.refused" in actions


# -- the protocol at the HTTP level ---------------------------------------------------------
def upload_pack_request(sha: str) -> bytes:
    want = f"want {sha} ofs-delta\n".encode()
    return f"{len(want) + 4:04x}".encode() + want + b"0000" + b"0009done\n"


def test_a_gzip_fetch_request_is_inflated(hosted: Hosting) -> None:
    url = f"{hosted.ada.clone_url}/git-upload-pack"
    headers = {
        "Content-Type": "application/x-git-upload-pack-request",
        "Content-Encoding": "gzip",
    }
    body = gzip.compress(upload_pack_request(hosted.main(hosted.ada)))

    response = httpx.post(url, content=body, headers=headers, auth=("a", hosted.ada.token))

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-git-upload-pack-result"
    assert b"PACK" in response.content


@pytest.mark.parametrize(
    ("path", "headers", "body", "status"),
    [
        ("/info/refs", {}, None, 400),  # the dumb protocol
        ("/info/refs?service=git-archive", {}, None, 400),
        ("/git-upload-pack", {"Content-Type": "text/plain"}, b"0000", 415),
        (
            "/git-upload-pack",
            {"Content-Type": "application/x-git-upload-pack-request", "Content-Encoding": "br"},
            b"0000",
            415,
        ),
        (
            "/git-upload-pack",
            {"Content-Type": "application/x-git-upload-pack-request", "Content-Encoding": "gzip"},
            b"not gzip at all",
            400,
        ),
    ],
)
def test_requests_git_would_never_send_are_json_4xx(
    hosted: Hosting, path: str, headers: dict[str, str], body: bytes | None, status: int
) -> None:
    url = hosted.ada.clone_url + path
    auth = ("a", hosted.ada.token)
    if body is None:
        response = httpx.get(url, auth=auth)
    else:
        response = httpx.post(url, content=body, headers=headers, auth=auth)
    assert response.status_code == status
    assert response.json()["detail"]


def test_an_oversized_fetch_request_is_413(
    hosted: Hosting, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hosted.server.settings, "max_git_request_mb", 1)
    body = gzip.compress(b"0" * (3 << 20))  # small on the wire, 3 MB inflated
    response = httpx.post(
        f"{hosted.ada.clone_url}/git-upload-pack",
        content=body,
        headers={
            "Content-Type": "application/x-git-upload-pack-request",
            "Content-Encoding": "gzip",
        },
        auth=("a", hosted.ada.token),
    )
    assert response.status_code == 413
