"""The multi-host soak's worker hosts: what a process started as their workers may read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scripts.soak.hosts import server_probes, unreadable_to_workers

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0,
    reason="the worker hosts' user namespace is made by root",
)


@pytest.fixture
def server_data(tmp_path: Path) -> Path:
    """A server's data folder as the soak leaves it: owned by nobody, mode 0700."""
    data = tmp_path / "server"
    (data / "challenges" / "wf").mkdir(parents=True)
    (data / "challenges" / "wf" / "challenge.toml").write_text('id = "wf"\n')
    (data / "repos" / "a.git").mkdir(parents=True)
    for path in [data, *data.rglob("*")]:
        os.chown(path, 65534, 65534)
    data.chmod(0o700)
    return data


def test_a_worker_can_read_nothing_of_the_servers_folder(server_data: Path) -> None:
    probes = server_probes(server_data)
    assert server_data / "challenges" / "wf" / "challenge.toml" in probes
    assert unreadable_to_workers(probes) == []


def test_what_a_worker_could_read_is_reported(server_data: Path, tmp_path: Path) -> None:
    readable = tmp_path / "readable.txt"
    readable.write_text("anyone's\n")
    server_data.chmod(0o755)
    problems = unreadable_to_workers([readable, server_data])
    assert [p.split(":")[0] for p in problems] == [
        f"a worker can read the server's {readable}",
        f"a worker can read the server's {server_data}",
    ]
