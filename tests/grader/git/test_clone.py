"""Cloning a candidate's repository: whose fault a failed clone is, from git's message and
from real servers that fail."""

import http.server
import threading
from pathlib import Path

import pytest

from grader.errors import InfrastructureError, RepositoryError
from grader.git import clone_bare, clone_failure
from tests.support.services import free_port


@pytest.mark.parametrize(
    ("stderr", "kind"),
    [
        (
            "fatal: unable to access 'https://h/r.git/': Could not resolve host: h",
            InfrastructureError,
        ),
        (
            "fatal: unable to access 'http://127.0.0.1:9/r.git/': Failed to connect",
            InfrastructureError,
        ),
        ("error: RPC failed; curl 18 transfer closed\nfatal: early EOF", InfrastructureError),
        (
            "fatal: unable to access 'https://h/r/': The requested URL returned error: 502",
            InfrastructureError,
        ),
        ("fatal: unable to access 'https://h/': SSL certificate problem", InfrastructureError),
        ("something git never said before", InfrastructureError),
        (
            "remote: Repository not found.\nfatal: repository 'https://h/r/' not found",
            RepositoryError,
        ),
        (
            "fatal: could not read Username for 'https://h': terminal prompts disabled",
            RepositoryError,
        ),
        (
            "fatal: unable to access 'https://h/r/': The requested URL returned error: 403",
            RepositoryError,
        ),
        ("fatal: '/tmp/x' does not appear to be a git repository", RepositoryError),
        ("fatal: repository 'https://h/tls-notes/x' not found", RepositoryError),
    ],
)
def test_a_failed_clone_is_classified_by_whose_fault_it_is(
    stderr: str, kind: type[Exception]
) -> None:
    error = clone_failure(stderr.encode())
    assert type(error) is kind
    assert str(error)


class _Answer(http.server.BaseHTTPRequestHandler):
    status = 502

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize(("status", "kind"), [(502, InfrastructureError), (404, RepositoryError)])
def test_a_real_server_error_is_ours_and_a_missing_repository_is_the_candidates(
    tmp_path: Path, status: int, kind: type[Exception]
) -> None:
    handler = type("Answer", (_Answer,), {"status": status})
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/r.git"
        with pytest.raises(kind):
            clone_bare(url, tmp_path / "r.git", ("http",), 30, 1 << 20)
        server.shutdown()


def test_nobody_listening_is_an_infrastructure_error(tmp_path: Path) -> None:
    port = free_port()  # closed again before the clone
    with pytest.raises(InfrastructureError, match=r"Failed to connect|Connection refused"):
        clone_bare(f"http://127.0.0.1:{port}/r.git", tmp_path / "r.git", ("http",), 30, 1 << 20)
