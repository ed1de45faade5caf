"""The `grader worker` processes of a soak run: started, watched, killed and stopped.

Each worker runs in a process group of its own with its log in the soak's
``logs/`` folder (worker-1.log, worker-2.log, ... in the order started); one
killed with SIGKILL takes everything it started with it, as a crash of its
host would, and a replacement is started at once.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from scripts.soak.common import say
from tests.support.processes import kill_tree, process_tree, start_in_group, stop_groups


@dataclass
class Workers:
    env: dict[str, str]
    logs: Path
    running: list[subprocess.Popen[bytes]] = field(default_factory=list)
    started: int = 0
    died: list[str] = field(default_factory=list)  # workers that exited by themselves
    numbers: dict[int, int] = field(default_factory=dict)  # pid -> its log's number
    prefix: list[str] = field(default_factory=list)  # what the command runs under (hosts.py)
    name: str = "worker"  # in the log lines: "worker 2", "host 1: worker 2"

    def start(self) -> subprocess.Popen[bytes]:
        self.started += 1
        log = self.logs / f"worker-{self.started}.log"
        command = [*self.prefix, sys.executable, "-m", "grader.cli", "worker"]
        process = start_in_group(command, log, self.env)
        self.running.append(process)
        self.numbers[process.pid] = self.started
        say(f"{self.name} {self.started} started (pid {process.pid})")
        return process

    def check_alive(self, replace: bool = True) -> None:
        """Note (and replace) any worker that exited without being asked to."""
        for process in list(self.running):
            if process.poll() is None:
                continue
            log = self.logs / f"worker-{self.numbers[process.pid]}.log"
            self.died.append(f"pid {process.pid} exited by itself ({process.returncode}): {log}")
            say(f"worker pid {process.pid} exited by itself")
            self.running.remove(process)
            if replace:
                self.start()

    def kill_one(self, preferred: set[int] | None = None) -> None:
        """SIGKILL one worker and all it started (one of ``preferred`` pids if any is ours),
        and start a replacement."""
        self.check_alive()
        chosen = [p for p in self.running if p.pid in (preferred or set())] or self.running
        victim = chosen[0]
        self.running.remove(victim)
        tree = process_tree(victim.pid)
        say(f"SIGKILL to worker pid {victim.pid} and its processes {tree[1:]}")
        kill_tree(victim.pid)
        victim.wait(timeout=30)
        self.start()

    def stop(self) -> None:
        stop_groups(self.running, 120)

    def graded_lines(self) -> Counter[str]:
        """How many times each submission was graded, from the workers' own log lines."""
        seen: Counter[str] = Counter()
        for log in self.logs.glob("worker-*.log"):
            for line in log.read_text(errors="replace").splitlines():
                if " grader.jobs graded " in line:
                    seen[line.split(" grader.jobs graded ", 1)[1].split(":", 1)[0]] += 1
        return seen
