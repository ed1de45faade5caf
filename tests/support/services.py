"""The services tests and scripts stand up: a free port, waiting until something is so, a Redis
server of one's own, and a data folder seeded with the images `make images` recorded.

``wait_for`` raises ``TimeoutError`` naming what it waited for; a test that
gets one fails (never skips), and a script stops with it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError

from grader.config import get_settings


def free_port() -> int:
    """A loopback port nobody listens on (closed again: whoever binds it next may race)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(
    what: str, check: Callable[[], bool], timeout_s: float = 180.0, every_s: float = 0.25
) -> None:
    """Call ``check`` every ``every_s`` until it is true; TimeoutError after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s:.0f}s waiting until {what}")
        time.sleep(every_s)


class RedisServer:
    """A Redis server of one's own on a free port, which may also be shut down and started again."""

    def __init__(self, folder: Path) -> None:
        if shutil.which("redis-server") is None:
            raise RuntimeError("redis-server is not installed: run `make engine`")
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--bind", "127.0.0.1", "--port", str(self.port)),
                *("--save", "", "--appendonly", "no", "--dir", str(self.folder)),
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for("Redis answers", self.answers, 30)

    def answers(self) -> bool:
        try:
            return bool(Redis.from_url(self.url, socket_timeout=2).ping())
        except RedisError:
            return False

    def shutdown(self) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown", "nosave"],
            check=False,
            capture_output=True,
        )
        if self.process is not None:
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@contextmanager
def redis_server(folder: Path) -> Iterator[RedisServer]:
    """A started ``RedisServer``, shut down at the end."""
    server = RedisServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.shutdown()


def seed_data_dir(data_dir: Path, with_locks: bool = False) -> None:
    """Copy into ``data_dir`` the images and test inventories the shared data folder records
    (and its image build locks, if asked), so that a deployment of one's own needs no build."""
    shared = get_settings().data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    if (shared / "images.json").is_file():
        shutil.copy(shared / "images.json", data_dir / "images.json")
    for name in ("inventory", "locks") if with_locks else ("inventory",):
        if (shared / name).is_dir():
            shutil.copytree(shared / name, data_dir / name, dirs_exist_ok=True)
