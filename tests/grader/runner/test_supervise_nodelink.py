"""PID 1's side of the Node link (runner/supervise_nodelink.py), on the host.

The test plays the test child T of the protocol in Python (mkfifo, the three
opens of t, the spawn line, the hello, opening c) and the candidate program is a
small Python script that speaks the same frames. As root the spawner really
switches uids (the link folder is the grader's, the candidate runs as 10002);
otherwise it runs everything as the current user.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "grader" / "runner"))

import suite_node
import supervise_channels
import supervise_nodelink as nodelink
from supervise_channels import (
    CANDIDATE_UID,
    GRADER_UID,
    SAFE_ENV,
    CandidateSpawner,
    effective_uid,
)
from supervise_nodelink import NodeLinkSpawner

from tests.support.nodelink import FAKE_CANDIDATE, PYTHON, read_frame, write_frame

ROOT = os.geteuid() == 0
OWNER = GRADER_UID if ROOT else os.geteuid()


@pytest.fixture
def place(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder every uid may enter: the fake candidate, its cwd, and the link's parent."""
    if not os.path.exists(PYTHON):
        pytest.skip(f"{PYTHON} is needed to run a candidate as another uid")
    folder = Path(tempfile.mkdtemp(prefix="nodelink-test-", dir="/tmp"))
    folder.chmod(0o1777)
    (folder / "candidate.py").write_text(FAKE_CANDIDATE)
    (folder / "candidate.py").chmod(0o644)
    monkeypatch.setattr(supervise_channels, "WORKDIR", str(folder))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


class Link:
    """A spawner with its output pipe, closed (and its candidates reaped) at the end."""

    def __init__(self, place: Path, host: list[str] | None = None) -> None:
        host = host or [PYTHON, "-I", "-S", str(place / "candidate.py")]
        self.spawner = NodeLinkSpawner({"SERVICE_URL": "redis://x"}, host=host, parent=str(place))
        self.out_read, out_write = os.pipe()
        self.spawner.started(out_write)

    def close(self) -> bytes:
        """Kill and reap the candidates, close the spawner; what they wrote to the output."""
        if self.out_read < 0:
            return b""
        for child in self.spawner.children:
            child.kill()
            child.wait(10)
        self.spawner.close()
        output = b""
        while chunk := os.read(self.out_read, 1 << 16):
            output += chunk
        os.close(self.out_read)
        self.out_read = -1
        return output


@pytest.fixture
def link(place: Path) -> Iterator[Link]:
    made = Link(place)
    yield made
    made.close()


class Child:
    """T: makes its two FIFOs, holds t open three ways, and asks on ``spawn``."""

    def __init__(self, folder: str, link_id: str | None = None, make: bool = True) -> None:
        self.folder = folder
        self.id = link_id or secrets.token_hex(16)
        self.c, self.t = (os.path.join(folder, f"{self.id}.{end}") for end in "ct")
        self.fds: list[int] = []
        if make:
            with effective_uid(GRADER_UID):
                os.mkfifo(self.c, 0o600)
                os.mkfifo(self.t, 0o600)
            self.hold_t()

    def hold_t(self) -> None:
        with effective_uid(GRADER_UID):
            self.hold = os.open(self.t, os.O_RDWR)
            self.sync = os.open(self.t, os.O_RDONLY)
            self.nonblocking = os.open(self.t, os.O_RDONLY | os.O_NONBLOCK)
        self.fds += [self.hold, self.sync, self.nonblocking]

    def ask(self, line: bytes | None = None) -> None:
        write_spawn(self.folder, b"spawn " + self.id.encode() + b"\n" if line is None else line)

    def connect(self) -> dict[str, Any]:
        """Steps 5 and 6: the hello, then c opened and both FIFOs unlinked."""
        hello = read_frame(self.sync)
        assert hello is not None and hello["op"] == "hello", hello
        os.close(self.hold)
        self.fds.remove(self.hold)
        with effective_uid(GRADER_UID):
            self.to_candidate = os.open(self.c, os.O_WRONLY)
            os.unlink(self.c)
            os.unlink(self.t)
        self.fds.append(self.to_candidate)
        return hello

    def close(self) -> None:
        for fd in self.fds:
            os.close(fd)
        self.fds = []


def write_spawn(folder: str, data: bytes) -> None:
    with effective_uid(GRADER_UID):
        fd = os.open(os.path.join(folder, "spawn"), os.O_WRONLY)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def refusal_of(child: Child) -> str:
    """The reason of the refusal frame PID 1 wrote to ``child``'s t (it must be one)."""
    refused = read_frame(child.sync)
    assert refused is not None and refused["op"] == "refused", refused
    return str(refused["reason"])


def test_the_link_folder_and_its_spawn_fifo_are_the_grader_s_alone(link: Link) -> None:
    folder = os.lstat(link.spawner.dir)
    spawn = os.lstat(os.path.join(link.spawner.dir, "spawn"))
    assert stat.S_IMODE(folder.st_mode) == 0o700 and folder.st_uid == OWNER
    assert stat.S_ISFIFO(spawn.st_mode) and stat.S_IMODE(spawn.st_mode) == 0o600
    assert spawn.st_uid == OWNER
    assert link.spawner.test_env() == {"GRADER_LINK_DIR": link.spawner.dir}
    assert link.spawner.test_fds == ()
    assert (CandidateSpawner().test_env(), link.spawner.spawned) == ({}, 0)


def test_a_test_child_gets_a_candidate_process_on_its_fifos(link: Link, place: Path) -> None:
    child = Child(link.spawner.dir)
    child.ask()
    assert link.spawner.serve() is True
    hello = child.connect()
    assert link.spawner.spawned == 1
    assert hello["pid"] == link.spawner.children[0].pid
    assert hello["uid"] == (CANDIDATE_UID if ROOT else os.getuid())
    assert hello["cwd"] == str(place)
    assert hello["blocking"] == [True, False]  # fd_sync blocks, fd_async does not
    env = hello["env"]
    assert (env["USER"], env["LOGNAME"], env["SERVICE_URL"]) == ("candidate",) * 2 + ("redis://x",)
    assert env["PATH"] == SAFE_ENV["PATH"] and "GRADER_LINK_DIR" not in env
    write_frame(child.to_candidate, {"op": "ping", "n": 1})
    assert read_frame(child.sync) == {"op": "echo", "got": {"op": "ping", "n": 1}}
    write_frame(child.to_candidate, {"op": "ping", "n": 2})
    assert read_frame(child.sync) == {"op": "echo", "got": {"op": "ping", "n": 2}}
    child.close()  # EOF on c: the candidate ends
    assert link.spawner.children[0].wait(10) == 0
    assert b"candidate output" in link.close()  # it writes to the test process's output
    assert not os.path.exists(link.spawner.dir)


def test_requests_beyond_the_limit_are_refused(link: Link, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nodelink, "MAX_CANDIDATE_PROCESSES", 1)
    first, second = Child(link.spawner.dir), Child(link.spawner.dir)
    first.ask()
    second.ask()
    assert link.spawner.serve() is True
    assert first.connect()["op"] == "hello"
    assert read_frame(second.sync) == {
        "op": "refused",
        "reason": "at most 1 candidate processes",
    }
    assert read_frame(second.sync, timeout=0.2) is None  # one frame, nothing after it
    assert link.spawner.spawned == 1
    first.close()
    second.close()


def test_a_malformed_or_too_long_line_is_dropped_and_the_next_served(link: Link) -> None:
    child = Child(link.spawner.dir)
    noise = b"spawn XYZ\nspawn " + b"a" * 32 + b" extra\n" + b"spawn " * 50 + b"\nhello\n"
    child.ask(noise + b"spawn " + child.id.encode() + b"\n")
    assert link.spawner.serve() is True
    assert child.connect()["op"] == "hello"
    assert link.spawner.spawned == 1
    child.close()


def test_a_line_split_across_two_writes_is_served(link: Link) -> None:
    child = Child(link.spawner.dir)
    line = b"spawn " + child.id.encode() + b"\n"
    child.ask(line[:10])
    assert link.spawner.serve() is True
    assert read_frame(child.sync, timeout=0.2) is None
    child.ask(line[10:])
    assert link.spawner.serve() is True
    assert child.connect()["op"] == "hello"
    child.close()


def test_the_rest_of_a_too_long_line_is_dropped_even_if_it_reads_as_a_request(
    link: Link,
) -> None:
    hidden, served = Child(link.spawner.dir), Child(link.spawner.dir)
    hidden.ask(b"x" * 250)  # no newline yet: the line is already too long
    assert link.spawner.serve() is True
    hidden.ask(b"spawn " + hidden.id.encode() + b"\nspawn " + served.id.encode() + b"\n")
    assert link.spawner.serve() is True
    assert served.connect()["op"] == "hello"
    assert read_frame(hidden.sync, timeout=0.2) is None
    assert link.spawner.spawned == 1
    hidden.close()
    served.close()


def test_a_request_whose_fifos_are_missing_is_ignored(link: Link) -> None:
    Child(link.spawner.dir, make=False).ask()
    assert link.spawner.serve() is True
    assert link.spawner.spawned == 0


def test_a_request_whose_c_is_not_a_fifo_is_refused(link: Link) -> None:
    child = Child(link.spawner.dir, make=False)
    with effective_uid(GRADER_UID):
        Path(child.c).write_text("")
        os.mkfifo(child.t, 0o600)
    child.hold_t()
    child.ask()
    assert link.spawner.serve() is True
    assert "not a FIFO of the test process" in refusal_of(child)
    assert link.spawner.spawned == 0
    child.close()


def test_a_request_whose_t_is_a_file_or_a_symlink_gets_nothing_written(link: Link) -> None:
    regular, linked = (Child(link.spawner.dir, make=False) for _ in range(2))
    with effective_uid(GRADER_UID):
        for child in (regular, linked):
            os.mkfifo(child.c, 0o600)
        Path(regular.t).write_text("")
        elsewhere = os.path.join(link.spawner.dir, "elsewhere")
        os.mkfifo(elsewhere, 0o600)
        os.symlink(elsewhere, linked.t)
    linked.hold_t()  # opened through the symlink: T holds readers of its target
    regular.ask()
    linked.ask()
    assert link.spawner.serve() is True
    assert Path(regular.t).read_bytes() == b""
    assert read_frame(linked.sync, timeout=0.2) is None
    assert link.spawner.spawned == 0
    linked.close()


@pytest.mark.skipif(not ROOT, reason="only root can make a FIFO of another uid")
def test_fifos_of_another_uid_are_refused(link: Link) -> None:
    child = Child(link.spawner.dir)
    os.chown(child.c, CANDIDATE_UID, CANDIDATE_UID)
    child.ask()
    assert link.spawner.serve() is True
    refusal_of(child)
    assert link.spawner.spawned == 0
    child.close()


def test_a_candidate_that_cannot_start_is_a_refusal(place: Path) -> None:
    link = Link(place, host=[str(place / "no-such-node")])
    try:
        child = Child(link.spawner.dir)
        child.ask()
        assert link.spawner.serve() is True
        assert "no-such-node" in refusal_of(child)
        assert link.spawner.spawned == 0
        child.close()
    finally:
        link.close()


def test_a_repeated_request_is_ignored(link: Link) -> None:
    child = Child(link.spawner.dir)
    child.ask()
    child.ask()
    assert link.spawner.serve() is True
    assert read_frame(child.sync)["op"] == "hello"  # type: ignore[index]
    assert read_frame(child.sync, timeout=0.2) is None
    assert link.spawner.spawned == 1
    child.close()


def test_close_removes_the_link_folder_and_what_is_left_in_it(place: Path) -> None:
    link = Link(place)
    child = Child(link.spawner.dir)  # FIFOs never asked for, never unlinked
    child.close()
    folder = link.spawner.dir
    link.close()
    assert not os.path.exists(folder)
    assert link.spawner.our_fd == -1
    link.spawner.close()  # twice is harmless


def test_the_env_of_later_candidates_follows_use_env(link: Link) -> None:
    link.spawner.use_env({"DATABASE_URL": "postgres://y"})
    child = Child(link.spawner.dir)
    child.ask()
    link.spawner.serve()
    env = child.connect()["env"]
    assert env["DATABASE_URL"] == "postgres://y" and "SERVICE_URL" not in env
    child.close()


def test_the_suite_commands_of_node(link: Link) -> None:
    results = type("Results", (), {"path": "/dev/fd/9"})()
    header = {"command": "node", "args": ["hidden/a.test.js"]}
    shared = suite_node.command(header, results, None)
    isolated = suite_node.command(header, results, link.spawner)
    assert isolated == [shared[0], "--require", "/opt/grader/node_trusted.cjs", *shared[1:]]
    assert shared[1] == "--test" and shared[-1] == "hidden/a.test.js"
    assert suite_node.ISOLATES and suite_node.SPAWNER is NodeLinkSpawner


def test_no_candidate_starts_before_the_test_process_has_an_output(place: Path) -> None:
    """Without ``started`` a candidate would write to PID 1's stdout, the host's frame."""
    spawner = NodeLinkSpawner(
        host=[PYTHON, "-I", "-S", str(place / "candidate.py")], parent=str(place)
    )
    try:
        child = Child(spawner.dir)
        child.ask()
        assert spawner.serve() is True
        refusal_of(child)
        assert spawner.spawned == 0 and spawner.children == []
        child.close()
    finally:
        spawner.close()
