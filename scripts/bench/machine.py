"""What the machine's processes use, read from /proc: memory of process trees, CPU seconds.

``MemorySampler`` follows each watched worker with all its descendants (job
forks, git...) and keeps their peaks; containers are not the worker's children
and are not counted. The CPU accounts are exact where they can be (/proc/stat,
/proc/<pid>/stat, rusage) and say what they leave out.
"""

from __future__ import annotations

import ctypes
import os
import platform
import resource
import threading
import time
from pathlib import Path
from typing import Any

from tests.support.processes import children_of, command_name


def _status_kb(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM (status) and Pss (smaps_rollup: shared pages divided among their users)."""
    out: dict[str, int] = {}
    for path, keys in (
        (f"/proc/{pid}/status", ("VmRSS:", "VmHWM:")),
        (f"/proc/{pid}/smaps_rollup", ("Pss:",)),
    ):
        try:
            with open(path) as handle:
                for line in handle:
                    if line.startswith(keys):
                        key, value = line.split(":", 1)
                        out[key] = int(value.split()[0])
        except (OSError, ValueError):
            pass
    return out


class MemorySampler(threading.Thread):
    """Peak memory of each watched worker with all its descendants (job forks, git...)."""

    def __init__(self, interval_s: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.interval_s = interval_s
        self.roots: dict[int, str] = {}
        self.peaks: dict[int, dict[str, Any]] = {}
        self.samples = 0
        self._stop_event = threading.Event()
        self._lock = threading.Lock()

    def watch(self, pid: int, label: str) -> None:
        with self._lock:
            self.roots[pid] = label
            self.peaks[pid] = {
                "label": label,
                "tree_pss_kb": 0,
                "tree_rss_kb": 0,
                "main_rss_kb": 0,
                "main_hwm_kb": 0,
                "child_rss_kb": 0,
                "child_hwm_kb": 0,
                "processes_at_peak": [],
            }

    def unwatch(self, pid: int) -> None:
        self.sample_once()  # the last look, with VmHWM, before it goes
        with self._lock:
            self.roots.pop(pid, None)

    def run(self) -> None:
        while not self._stop_event.wait(self.interval_s):
            self.sample_once()

    def stop(self) -> None:
        self._stop_event.set()

    def sample_once(self) -> None:
        with self._lock:
            roots = dict(self.roots)
        if not roots:
            return
        children = children_of()
        self.samples += 1
        for root in roots:
            tree, stack, parent_of = [], [root], {}
            while stack:
                pid = stack.pop()
                tree.append(pid)
                for child in children.get(pid, []):
                    # Asked before and after its figures are read: a vfork child read just
                    # before its exec shows its parent's figures, and the kernel's answer
                    # after the exec says "not shared".
                    if not shares_memory_map(child, pid):
                        parent_of[child] = pid
                        stack.append(child)
            statuses = {pid: _status_kb(pid) for pid in tree}
            statuses = _without_shared_memory(statuses, parent_of)
            total = sum(s.get("VmRSS", 0) for s in statuses.values())
            pss = sum(s.get("Pss", 0) for s in statuses.values())
            peak = self.peaks[root]
            main = statuses.get(root, {})
            peak["main_rss_kb"] = max(peak["main_rss_kb"], main.get("VmRSS", 0))
            peak["main_hwm_kb"] = max(peak["main_hwm_kb"], main.get("VmHWM", 0))
            for pid, status in statuses.items():
                if pid != root:
                    peak["child_rss_kb"] = max(peak["child_rss_kb"], status.get("VmRSS", 0))
                    peak["child_hwm_kb"] = max(peak["child_hwm_kb"], status.get("VmHWM", 0))
            peak["tree_rss_kb"] = max(peak["tree_rss_kb"], total)
            if pss > peak["tree_pss_kb"]:
                peak["tree_pss_kb"] = pss
                peak["processes_at_peak"] = [
                    f"{command_name(pid)} rss={status.get('VmRSS', 0) >> 10}MB "
                    f"pss={status.get('Pss', 0) >> 10}MB"
                    for pid, status in statuses.items()
                ]


# kcmp(2): whether two processes share a kernel resource; KCMP_VM compares their memory maps.
KCMP_SYSCALLS = {"x86_64": 312, "aarch64": 272}
KCMP_VM = 1
_libc = ctypes.CDLL(None, use_errno=True)


def shares_memory_map(pid: int, other: int) -> bool | None:
    """Whether two processes run in one memory map (kcmp(2), KCMP_VM); None when the kernel
    cannot say (another architecture, no permission, a process gone)."""
    number = KCMP_SYSCALLS.get(platform.machine())
    if number is None:
        return None
    answer = _libc.syscall(number, pid, other, KCMP_VM, 0, 0)
    return None if answer < 0 else answer == 0


def _without_shared_memory(
    statuses: dict[int, dict[str, int]], parent_of: dict[int, int]
) -> dict[int, dict[str, int]]:
    """The statuses without the children that are still their parent's memory.

    Python starts git with vfork(): until the child's exec, it runs in its parent's
    memory map, so /proc shows it with its parent's figures, and adding them would
    count the same pages twice. The kernel says which children those are (kcmp). A
    forked child has a map of its own, whose PSS already shares the common pages out
    with its parent: it is kept."""
    return {
        pid: status
        for pid, status in statuses.items()
        if pid not in parent_of or not shares_memory_map(pid, parent_of[pid])
    }


def memory_summary(sampler: MemorySampler) -> dict[str, Any]:
    """Every watched worker's peaks, and the worst of them (what the memory targets read)."""
    peaks = list(sampler.peaks.values())
    worst = max(peaks, key=lambda p: p["tree_pss_kb"]) if peaks else {}
    return {
        "peak_pss_mb": round(worst.get("tree_pss_kb", 0) / 1024, 1),
        "peak_rss_sum_mb": round(max((p["tree_rss_kb"] for p in peaks), default=0) / 1024, 1),
        "peak_main_rss_mb": round(max((p["main_rss_kb"] for p in peaks), default=0) / 1024, 1),
        "peak_main_hwm_mb": round(max((p["main_hwm_kb"] for p in peaks), default=0) / 1024, 1),
        "peak_child_rss_mb": round(max((p["child_rss_kb"] for p in peaks), default=0) / 1024, 1),
        "peak_child_hwm_mb": round(max((p["child_hwm_kb"] for p in peaks), default=0) / 1024, 1),
        "processes_at_peak": worst.get("processes_at_peak", 0),
        "samples": sampler.samples,
        "interval_s": sampler.interval_s,
        "workers": peaks,
    }


def pids_named(name: str) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and command_name(int(entry.name)) == name:
            found.append(int(entry.name))
    return found


class MachineCpu:
    """Busy CPU seconds of the whole machine (/proc/stat: every process, the kernel, runc
    and the shims included) over a window, less the machine's idle-time rate measured
    first, so that what a grading costs in all is counted, whoever spends it."""

    def __init__(self, baseline_s: float = 2.0) -> None:
        started, busy = time.monotonic(), busy_s()
        time.sleep(baseline_s)
        self.rate = (busy_s() - busy) / (time.monotonic() - started)
        self.start()

    def start(self) -> None:
        self._started, self._busy = time.monotonic(), busy_s()

    def used(self) -> float:
        elapsed = time.monotonic() - self._started
        return max(busy_s() - self._busy - self.rate * elapsed, 0.0)


def busy_s() -> float:
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:7]) - idle) / os.sysconf("SC_CLK_TCK")  # steal is not ours


def cpu_of(pids: list[int]) -> float:
    """User and system CPU seconds of these processes so far (and of their reaped children)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def own_cpu_s() -> float:
    """This process's CPU seconds and its waited-for children's (git, docker)."""
    me, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime
