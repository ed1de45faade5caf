"""Processes of the tests and scripts: trees read from /proc, process groups started and stopped.

A ``grader worker`` is started in a session (and process group) of its own, so
that stopping it stops what it started; an rq work horse, though, is in a group
of its own, which is why killing "everything" walks the tree of parents from
/proc rather than signalling one group.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


def children_of() -> dict[int, list[int]]:
    """Every process's children, by parent id, as /proc has them now."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):  # gone meanwhile
            continue
        children.setdefault(parent, []).append(int(entry.name))
    return children


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants, the process first."""
    children = children_of()
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def kill_tree(pid: int, sig: int = signal.SIGKILL) -> None:
    """Signal a process and everything it started (SIGKILL: as a crash of its host would)."""
    for member in process_tree(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(member, sig)


def command_name(pid: int) -> str:
    """The process's command name (/proc/<pid>/comm), or "?" once it is gone."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def start_in_group(
    command: list[str], log: Path, env: Mapping[str, str], append: bool = False
) -> subprocess.Popen[bytes]:
    """Start ``command`` from the project's root in a session of its own, output to ``log``."""
    with log.open("ab" if append else "wb") as out:
        return subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: stopping it stops its children too
        )


def stop_groups(processes: Iterable[subprocess.Popen[bytes]], timeout_s: float = 30.0) -> None:
    """SIGTERM to each process's group, then wait; what outlives ``timeout_s`` is killed."""
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            kill_tree(process.pid)
            process.wait(timeout=10)
