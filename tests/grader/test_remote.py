"""A worker on another host: hosted repositories and challenge versions from a real server.

The server is the real app under uvicorn on a data folder of its own, with the
challenge registered from a copy inside that folder; the worker has another
data folder, and reaches the server over HTTP only (real git over smart HTTP,
the bundle endpoint).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from api.main import create_app
from grader import jobs
from grader.bundles import BundleRefused
from grader.challenge import load_challenge
from grader.config import Settings, get_settings
from grader.errors import InfrastructureError
from grader.fetch import _credential_config, fetch
from grader.hosting import invitations
from grader.remote import Remote, repository_source
from grader.store import hosted, repo
from grader.store.db import session_scope
from tests.api.conftest import (
    UNREACHABLE_REDIS,
    WORD_FREQUENCY,
    candidate_git,
    create_token,
    register_without_docker,
    settings_for,
    with_credentials,
)
from tests.support.asgi import loopback_socket, serving
from tests.support.services import seed_data_dir


@dataclass(frozen=True)
class Server:
    url: str
    settings: Settings
    worker_token: str
    challenge: Path  # the registered version's folder, inside the server's data folder

    @property
    def version(self) -> str:
        return load_challenge(self.challenge).content_hash()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    sock, url = loopback_socket()
    settings = settings_for(tmp_path / "server", public_url=url)
    folder = settings.data_dir / "challenges" / "word-frequency"
    shutil.copytree(WORD_FREQUENCY, folder, ignore=shutil.ignore_patterns("__pycache__"))
    register_without_docker(settings, folder)
    worker_token = create_token(settings, "worker")
    with serving(create_app(settings), sock, lifespan="off", timeout_s=10):
        yield Server(url, settings, worker_token, folder)


def worker_settings(server: Server, data_dir: Path, token: str | None = None) -> Settings:
    return get_settings().model_copy(
        update={
            "data_dir": data_dir,
            "database_url": server.settings.effective_database_url,
            "redis_url": UNREACHABLE_REDIS,
            "public_url": server.url,  # as the server announces it
            "server_url": server.url,
            "worker_token": server.worker_token if token is None else token,
        }
    )


def remote(server: Server, data_dir: Path, token: str | None = None) -> Remote:
    made = Remote.of(worker_settings(server, data_dir, token))
    assert made is not None
    return made


# -- challenge versions ----------------------------------------------------------------------
def test_a_worker_fetches_a_version_checks_it_and_keeps_it(server: Server, tmp_path: Path) -> None:
    folder = remote(server, tmp_path / "worker").challenge("word-frequency", server.version)
    cache = tmp_path / "worker" / "challenge-bundles" / "word-frequency" / server.version
    assert folder == cache / "challenge"
    assert load_challenge(folder).content_hash() == server.version
    assert not folder.is_relative_to(server.settings.data_dir)
    assert [p.name for p in cache.parent.iterdir()] == [server.version]  # no temporary left
    # Cached: a worker process started later uses it, checked again, without the server.
    offline = Remote("http://127.0.0.1:1", "grd_x", tmp_path / "worker")
    assert offline.challenge("word-frequency", server.version) == folder


def test_a_version_changed_on_the_server_since_it_was_recorded_is_refused(
    server: Server, tmp_path: Path
) -> None:
    recorded = server.version
    hidden = sorted((server.challenge / "hidden").rglob("test_*.py"))[0]
    hidden.write_text("def test_nothing():\n    pass\n")  # what would grade everyone full marks
    with pytest.raises(BundleRefused) as refused:
        remote(server, tmp_path / "worker").challenge("word-frequency", recorded)
    assert f"challenge bundle of word-frequency {recorded} does not match its recorded hash" in (
        str(refused.value)
    )
    assert list((tmp_path / "worker" / "challenge-bundles" / "word-frequency").iterdir()) == []


def test_a_cached_version_changed_on_the_worker_is_fetched_again(
    server: Server, tmp_path: Path
) -> None:
    folder = remote(server, tmp_path / "worker").challenge("word-frequency", server.version)
    solution = folder / "solution" / "wordfreq.py"
    original = solution.read_text()
    solution.write_text("broken\n")
    again = remote(server, tmp_path / "worker").challenge("word-frequency", server.version)
    assert again == folder and solution.read_text() == original


def test_an_unknown_version_or_a_refused_token_is_an_infrastructure_error(
    server: Server, tmp_path: Path
) -> None:
    with pytest.raises(InfrastructureError, match=r"answered 404 .*no version 0000 of"):
        remote(server, tmp_path / "a").challenge("word-frequency", "0000")
    with pytest.raises(InfrastructureError, match="answered 401"):
        remote(server, tmp_path / "b", token="grd_wrong").challenge("word-frequency", "0000")
    reviewer = create_token(server.settings, "reviewer")
    with pytest.raises(InfrastructureError, match=r"answered 403 .*a reviewer token may not"):
        remote(server, tmp_path / "c", token=reviewer).challenge("word-frequency", server.version)


def test_a_server_url_without_a_worker_token_is_refused(server: Server, tmp_path: Path) -> None:
    with pytest.raises(InfrastructureError, match="GRADER_WORKER_TOKEN is not"):
        Remote.of(worker_settings(server, tmp_path / "w", token=""))
    assert Remote.of(get_settings().model_copy(update={"server_url": ""})) is None


# -- hosted repositories ----------------------------------------------------------------------
def test_a_worker_clones_a_hosted_repository_over_http_with_its_credential(
    server: Server, tmp_path: Path
) -> None:
    invited = invitations.invite(server.settings, "word-frequency", "ada@example.com", actor="t")
    settings = worker_settings(server, tmp_path / "worker")
    policy, source = repository_source(settings, Remote.of(settings), invited["clone_url"])
    assert source == f"{server.url}/git/{invited['id']}.git"
    (tmp_path / "clone").mkdir()
    fetched = fetch(source, "main", tmp_path / "clone", policy, 60, 1 << 30)
    assert fetched.commit == seed_commit(server.settings, invited["id"])
    # A wrong worker token is the operator's to fix, not the candidate's.
    settings = worker_settings(server, tmp_path / "worker", token="grd_wrong")
    policy, source = repository_source(settings, Remote.of(settings), invited["clone_url"])
    (tmp_path / "again").mkdir()
    with pytest.raises(InfrastructureError, match="the server refused the worker's credential"):
        fetch(source, "main", tmp_path / "again", policy, 60, 1 << 30)


def seed_commit(settings: Settings, invitation_id: str) -> str | None:
    with session_scope(settings.effective_database_url) as session:
        row = hosted.get_invitation(session, invitation_id)
        return None if row is None else row.seed_commit


def test_the_worker_credential_is_sent_to_the_server_only(server: Server, tmp_path: Path) -> None:
    settings = worker_settings(server, tmp_path / "worker")
    made = Remote.of(settings)
    for external in ("https://example.com/ada/wf.git", f"{server.url}.evil.com/git/x.git"):
        policy, source = repository_source(settings, made, external)
        assert source == external
        assert _credential_config(source, policy) == {}
    policy, source = repository_source(settings, made, f"{server.url}/git/x.git")
    assert _credential_config(f"{server.url}/git/x.git", policy) == {
        "http.extraHeader": policy.credential,
        "http.followRedirects": "false",
    }
    assert server.worker_token not in repr(policy)


# -- one real grading through the remote path ---------------------------------------------------
@pytest.mark.docker
def test_a_worker_grades_a_hosted_push_reading_nothing_of_the_servers_disk(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    invited = invitations.invite(server.settings, "word-frequency", "ada@example.com", actor="t")
    work = tmp_path / "ada"
    url = with_credentials(invited["clone_url"], invited["token"])
    assert candidate_git(tmp_path, "clone", url, "ada").returncode == 0
    shutil.copy(WORD_FREQUENCY / "solution" / "wordfreq.py", work / "wordfreq.py")
    candidate_git(work, "add", "-A")
    candidate_git(work, "commit", "-q", "-m", "Count words with a Counter")
    pushed = candidate_git(work, "push", "origin", "main")
    assert pushed.returncode == 0, pushed.stderr
    with session_scope(server.settings.effective_database_url) as session:
        [row] = repo.list_submissions(session)
        submission_id = row.id
    seed_data_dir(tmp_path / "worker")  # the images `make images` recorded, as a host has them
    service = jobs.GradingService(worker_settings(server, tmp_path / "worker"))
    monkeypatch.setattr(jobs, "_service", service)
    try:
        assert jobs.run_grading(submission_id) == "graded"
    finally:
        service.close()
    with session_scope(server.settings.effective_database_url) as session:
        report = repo.report_of(session, submission_id)
    assert report is not None and report.report["overall"] > 80
    assert report.report["submission"]["repo"] == invited["clone_url"]
    bundles = tmp_path / "worker" / "challenge-bundles" / "word-frequency"
    assert [p.name for p in bundles.iterdir()] == [server.version]
