"""The bench's own deployment: a data folder, settings, an engine whose Docker calls are timed,
a Redis database, and the subprocesses it starts (workers, the API), all removed at the end.

``Bench`` holds what every measurement needs; the measurements themselves are
functions of it, in the modules of this package. Its data folder is its own
(images and inventories copied from the shared one), so is its SQLite
database; its Redis database must be empty (or ``--redis-flush``) and is
flushed before and after.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from redis import Redis
from rq import Worker

from grader.config import Settings, get_settings
from grader.engine import LABEL, Engine
from grader.images import ImageBuilder
from grader.queue import grading_queue
from grader.sandbox import DockerSandbox
from grader.store import repo
from grader.store.db import migrate, session_scope
from scripts.bench.common import log
from scripts.bench.machine import MemorySampler
from scripts.bench.recorder import CallRecorder, TimedClient
from scripts.bench.subjects import Subject, prepare_subject, start_references
from tests.support.processes import start_in_group, stop_groups
from tests.support.services import free_port, seed_data_dir, wait_for


class Bench:
    """The bench's state and its services; ``close()`` removes everything it started."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.started = time.monotonic()
        shared = get_settings()
        self.shared = shared
        self.data_dir = Path(tempfile.mkdtemp(prefix="bench-", dir=shared.subdir("tmp")))
        seed_data_dir(self.data_dir, with_locks=True)
        self.settings: Settings = shared.model_copy(
            update={
                "data_dir": self.data_dir,
                "database_url": f"sqlite:///{self.data_dir / 'grader.db'}",
                "redis_url": args.redis_url,
            }
        )
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_NOTIFY")}
        self.env.update(
            {
                "GRADER_DATA_DIR": str(self.data_dir),
                "GRADER_DATABASE_URL": self.settings.effective_database_url,
                "GRADER_REDIS_URL": args.redis_url,
            }
        )
        self.recorder = CallRecorder()
        self.engine = Engine(self.settings.docker_timeout_s)
        self.client = self.engine._client  # the plain client, for the references
        self.engine._client = TimedClient(self.client, self.recorder)
        self.builder = ImageBuilder(self.settings, self.engine, log=lambda m: log(f"images: {m}"))
        # The worker's configuration: warm sandboxes where this version of the grader has them.
        self.warm = "warm" in inspect.signature(DockerSandbox).parameters
        kwargs: dict[str, Any] = {"warm": True} if self.warm else {}
        self.sandbox = DockerSandbox(self.settings, self.engine, **kwargs)
        self.subjects: list[Subject] = []
        self.timings: dict[str, dict[str, float]] = {}
        self.redis_in_use = False
        self.processes: list[subprocess.Popen[bytes]] = []
        self.sampler = MemorySampler(args.memory_interval)
        self.warnings: list[str] = []
        self.token = ""
        self.api_url = ""
        self.logs = self.data_dir / "logs"
        self.logs.mkdir()

    # -- set-up ------------------------------------------------------------------------------
    def setup(self) -> None:
        migrate(self.settings.effective_database_url)
        redis = Redis.from_url(self.args.redis_url, socket_timeout=5)
        keys = redis.dbsize()
        if keys and not self.args.redis_flush:
            self.redis_in_use = True
            raise SystemExit(
                f"bench: {self.args.redis_url} holds {keys} key(s): something else may use it. "
                "Pick another database (--redis-url) or pass --redis-flush."
            )
        redis.flushdb()
        with session_scope(self.settings.effective_database_url) as session:
            self.token, _row = repo.create_token(session, "admin", "bench")
        for label, candidates in (
            ("small", [self.args.small]),
            ("heavy", self.args.heavy.split(",")),
        ):
            self.subjects.append(
                prepare_subject(
                    label, candidates, self.settings, self.builder, self.sandbox, self.warnings
                )
            )
        for subject in self.subjects:
            start_references(subject, self.client, self.settings)
        self.sampler.start()

    def leftovers(self) -> list[Any]:
        """Sandboxes still there whose hidden suite comes from this bench's data folder."""
        found = []
        for container in self.client.containers.list(all=True, filters={"label": LABEL}):
            sources = [m.get("Source", "") for m in container.attrs.get("Mounts", [])]
            if any(source.startswith(str(self.data_dir)) for source in sources):
                found.append(container)
        return found

    def close(self) -> None:
        self.sampler.stop()
        with contextlib.suppress(Exception):
            getattr(self.sandbox, "close", lambda: None)()  # the in-process warm sandboxes
        with contextlib.suppress(Exception):
            for container in self.leftovers():
                log(f"removing a sandbox the bench left: {container.short_id}")
                container.remove(force=True, v=True)
        stop_groups(self.processes, 30)
        self.processes.clear()
        for subject in self.subjects:
            for container in subject.references:
                with contextlib.suppress(Exception):
                    container.remove(force=True)
        if not self.redis_in_use:
            with contextlib.suppress(Exception):
                Redis.from_url(self.args.redis_url, socket_timeout=5).flushdb()
        if not self.args.keep:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    # -- subprocesses ------------------------------------------------------------------------
    def spawn(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        process = start_in_group(command, self.logs / f"{name}.log", self.env, append=True)
        self.processes.append(process)
        return process

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        stop_groups([process], 30)
        if process in self.processes:
            self.processes.remove(process)

    def start_workers(self, count: int, tag: str) -> list[subprocess.Popen[bytes]]:
        workers = []
        for index in range(count):
            worker = self.spawn(f"worker-{tag}-{index}", [*self.grader_command(), "worker"])
            self.sampler.watch(worker.pid, f"{tag}-{index}")
            workers.append(worker)
        connection = Redis.from_url(self.args.redis_url, socket_timeout=5)
        queue = grading_queue(self.settings)

        def ready() -> bool:
            for worker in workers:
                if worker.poll() is not None:
                    raise RuntimeError(f"a worker exited ({worker.returncode}); see {self.logs}")
            return Worker.count(connection=connection, queue=queue) >= count

        wait_for(f"{count} worker(s) listen", ready, 120, 0.1)
        return workers

    def stop_workers(self, workers: list[subprocess.Popen[bytes]]) -> None:
        for worker in workers:
            self.sampler.unwatch(worker.pid)
        for worker in workers:
            self.stop(worker)

    def grader_command(self) -> list[str]:
        script = Path(sys.executable).parent / "grader"
        return [str(script)] if script.exists() else [sys.executable, "-m", "grader.cli"]

    def start_api(self) -> None:
        port = free_port()
        self.spawn(
            "api",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "api.main:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
        )
        self.api_url = f"http://127.0.0.1:{port}"
        self.http = httpx.Client(
            base_url=self.api_url, headers={"Authorization": f"Bearer {self.token}"}, timeout=30
        )

        def up() -> bool:
            try:
                return self.http.get("/api/challenges").status_code == 200
            except httpx.HTTPError:
                return False

        wait_for("the API answers", up, 60, 0.1)

    def elapsed(self) -> str:
        return f"{time.monotonic() - self.started:.0f}s elapsed"
