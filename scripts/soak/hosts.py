"""The worker hosts of the soak's multi-host mode, and what they may not read.

A worker host is a folder of its own (its data folder, its private Docker
engine, its logs) and `grader worker` processes run in a user namespace that
maps root to root only (``unshare --user``): they may use what root owns (the
interpreter, their engine's socket, their own folder) and have no capability
over anything else, so the server's data folder (owned by another user, mode
0700) is closed to them as it would be on another machine.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from scripts.soak.common import PROJECT
from scripts.soak.services import Docker
from scripts.soak.workers import Workers

# every user but nobody maps to itself: no capability over nobody's files
AS_WORKER_HOST = [sys.executable, "-m", "scripts.soak.userns"]


@dataclass
class WorkerHost:
    number: int
    folder: Path
    docker: Docker
    workers: Workers

    @classmethod
    def create(cls, number: int, root: Path, server: dict[str, str]) -> WorkerHost:
        """A host with its own engine and data folder; ``server``: how it reaches the server."""
        folder = root / f"host-{number}"
        docker = Docker(folder / "docker", private=True)
        docker.folder.mkdir(parents=True, exist_ok=True)
        logs = root / "logs" / f"host-{number}"
        logs.mkdir(parents=True, exist_ok=True)
        for old in logs.glob("worker-*.log"):
            old.unlink()
        env = {
            **docker.env,
            "GRADER_DATA_DIR": str(folder / "data"),
            "GRADER_CHALLENGES_DIR": str(folder / "no-catalogue"),
            **server,
        }
        workers = Workers(env, logs, prefix=AS_WORKER_HOST, name=f"host {number}: worker")
        return cls(number, folder, docker, workers)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def bundles(self) -> list[str]:
        """The challenge versions this host fetched: ``challenge/version``."""
        cache = self.data / "challenge-bundles"
        return sorted(
            f"{c.name}/{v.name}" for c in cache.glob("*") if c.is_dir() for v in c.iterdir()
        )

    def graded(self) -> Counter[str]:
        return self.workers.graded_lines()

    def denied_in_logs(self, server_data: Path) -> list[str]:
        """Log lines where a worker of this host tried a path of the server's data folder."""
        return [
            f"host {self.number}: {line.strip()[:200]}"
            for log in self.workers.logs.glob("worker-*.log")
            for line in log.read_text(errors="replace").splitlines()
            if str(server_data) in line
        ]


def server_probes(server_data: Path) -> list[Path]:
    """Paths of the server's data folder a worker would need if it read the server's disk."""
    found = [server_data, *sorted(server_data.glob("challenges/*/challenge.toml"))]
    found += sorted(server_data.glob("repos/*.git"))[:2] + sorted(server_data.glob("locks/*"))[:1]
    return found


def unreadable_to_workers(paths: list[Path]) -> list[str]:
    """Problems: each path a process started as the workers are could read or list."""
    problems: list[str] = []
    for path in paths:
        command = ["ls", str(path)] if path.is_dir() else ["head", "-c1", str(path)]
        done = subprocess.run(
            [*AS_WORKER_HOST, *command], capture_output=True, text=True, check=False, cwd=PROJECT
        )
        if done.returncode == 0 or "Permission denied" not in done.stderr:
            problems.append(f"a worker can read the server's {path}: {done.stderr.strip()!r}")
    return problems


def python_for_workers() -> str:
    """The interpreter, checked to be usable from inside the workers' user namespace."""
    done = subprocess.run(
        [*AS_WORKER_HOST, sys.executable, "-c", "import grader"],
        capture_output=True,
        text=True,
        check=False,
        cwd=PROJECT,
    )
    if done.returncode != 0:
        raise SystemExit(f"[soak] workers cannot start in a user namespace: {done.stderr}")
    return sys.executable
