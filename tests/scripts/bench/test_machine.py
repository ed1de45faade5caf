"""The bench's memory sampler (scripts/bench/machine.py): a vfork child is its parent's memory."""

from __future__ import annotations

import os
import subprocess
import threading
import time

import pytest

from scripts.bench import machine
from scripts.bench.machine import _without_shared_memory, shares_memory_map


def test_the_kernel_tells_a_forked_child_from_this_process() -> None:
    child = os.fork()
    if child == 0:  # pragma: no cover - the child only waits to be looked at
        time.sleep(5)
        os._exit(0)
    try:
        assert shares_memory_map(os.getpid(), os.getpid()) is True
        assert shares_memory_map(child, os.getpid()) is False
        statuses = {os.getpid(): {"Pss": 1}, child: {"Pss": 1}}
        assert sorted(_without_shared_memory(statuses, {child: os.getpid()})) == sorted(statuses)
    finally:
        os.kill(child, 9)
        os.waitpid(child, 0)


def test_a_child_in_its_parents_memory_map_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    shared = {(2, 1)}  # 2 was vfork'd by 1 and has not exec'd yet; 3 is git after its exec
    monkeypatch.setattr(machine, "shares_memory_map", lambda pid, other: (pid, other) in shared)
    statuses = {1: {"Pss": 60000}, 2: {"Pss": 60000}, 3: {"Pss": 900}}
    assert sorted(_without_shared_memory(statuses, {2: 1, 3: 1})) == [1, 3]


def test_python_starts_children_in_its_own_memory_map_and_the_kernel_says_so() -> None:
    """Why the sampler needs the check: Python starts processes with vfork, and a child
    caught before its exec runs in this process's memory map."""
    stop = threading.Event()

    def spawn() -> None:
        while not stop.is_set():
            subprocess.run(["/bin/true"], check=True)

    me = os.getpid()
    thread = threading.Thread(target=spawn)
    thread.start()
    caught = 0
    deadline = time.monotonic() + 10
    try:
        while time.monotonic() < deadline and not caught:
            for task in os.listdir(f"/proc/{me}/task"):
                try:
                    with open(f"/proc/{me}/task/{task}/children") as handle:
                        kids = [int(pid) for pid in handle.read().split()]
                except OSError:
                    continue
                caught += sum(1 for kid in kids if shares_memory_map(kid, me))
    finally:
        stop.set()
        thread.join()
    assert caught >= 1, "no child was caught before its exec in 10 s"
