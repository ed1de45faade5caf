"""The machine-wide profile: every process's CPU time over a window of gradings, by role.

The seconds come from exact accounts, read before and after the window:

- this process (``RUSAGE_SELF``) and the children it waited for: git
  (``RUSAGE_CHILDREN``);
- dockerd and containerd from /proc; containerd's shims and runc (short-lived,
  missed by /proc) from a cpuacct cgroup the two daemons are moved into for the
  window, so that everything they fork is charged there;
- every container from Docker's parent cgroup (``docker/``), whose usage keeps
  what its removed children used;
- the whole machine from /proc/stat; what no account claims is the kernel's
  and other processes'.

The kernel's process accounting (``acct(2)``, BSD v3 records: one record per
exited process, times in 10 ms ticks) counts the processes of each role and
splits the containers' seconds between the sandbox's PID 1 (the supervisor)
and what it starts. Needs root, cgroup v1's cpuacct and a kernel with
``CONFIG_BSD_PROCESS_ACCT``; without them the profile says so. Accounting and
the daemons' group are undone whatever happens.
"""

from __future__ import annotations

import ctypes
import os
import resource
import struct
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.bench.machine import cpu_of, pids_named

RECORD = struct.Struct("<BBHIIIIIIf8H16s")  # struct acct_v3, 64 bytes
AHZ = 100  # ticks per second of comp_t times
SHIM = "containerd-shim"  # comm is cut to 15 characters
DAEMONS = ("dockerd", "containerd")


@dataclass(frozen=True)
class Exited:
    """One accounting record: a process that exited in the window."""

    pid: int
    ppid: int
    comm: str
    cpu_s: float


def _comp(value: int) -> int:
    """comp_t: a 13-bit mantissa and a 3-bit base-8 exponent."""
    return (value & 0x1FFF) << (3 * (value >> 13))


def parse(data: bytes) -> list[Exited]:
    out = []
    for offset in range(0, len(data) - RECORD.size + 1, RECORD.size):
        fields = RECORD.unpack_from(data, offset)
        if fields[1] != 3:  # not a v3 record: the file is not what we think
            continue
        pid, ppid, utime, stime, comm = fields[6], fields[7], fields[10], fields[11], fields[18]
        cpu = (_comp(utime) + _comp(stime)) / AHZ
        out.append(Exited(pid, ppid, comm.split(b"\0")[0].decode(errors="replace"), cpu))
    return out


@contextmanager
def accounting() -> Iterator[Callable[[], list[Exited]]]:
    """Process accounting on for the block; yields a function reading the records so far."""
    libc = ctypes.CDLL(None, use_errno=True)
    with tempfile.TemporaryDirectory(prefix="bench-acct-") as folder:
        path = Path(folder) / "pacct"
        path.touch()
        if libc.acct(str(path).encode()) != 0:
            raise OSError(ctypes.get_errno(), "acct(2) refused: root and CONFIG_BSD_PROCESS_ACCT")
        try:
            yield lambda: parse(path.read_bytes())
        finally:
            libc.acct(None)


def role(record: Exited, by_pid: dict[int, Exited], shims: set[int], me: int) -> str:
    """What a process was for: the sandbox's PID 1 (the supervisor) and what it started,
    the container runtime, git and the grader's other children, or something else.
    ``shims``: the pids of shims still alive at the end (their records are not written yet)."""
    if record.comm == SHIM:
        return "containerd-shim"
    if record.comm.startswith("runc"):
        return "runc"
    parents = [record.ppid]
    while parents[-1] in by_pid and len(parents) < 64:  # ancestors that exited in the window
        parents.append(by_pid[parents[-1]].ppid)
    is_shim = [p in shims or (p in by_pid and by_pid[p].comm == SHIM) for p in parents]
    if is_shim[0]:
        return PID1
    if any(is_shim):
        return SUITE
    if me in parents:
        return "git" if record.comm.startswith("git") else f"grader child: {record.comm}"
    return "other processes"


CGROUP = Path("/sys/fs/cgroup/cpuacct")
RUNTIME_GROUP = CGROUP / "grader-bench-runtime"


def _cgroup_s(group: Path) -> float:
    try:
        return int((group / "cpuacct.usage").read_text()) / 1e9
    except (OSError, ValueError):
        return 0.0


@contextmanager
def runtime_cgroup(daemons: list[int]) -> Iterator[Path | None]:
    """dockerd and containerd moved into a cpuacct group of their own for the block: what
    they fork meanwhile (containerd's shims, runc and its stages) is charged there too,
    exactly, however short it lives. Moved back to the root group afterwards. None when
    cgroup v1's cpuacct is not there."""
    if not CGROUP.is_dir():
        yield None
        return
    RUNTIME_GROUP.mkdir(exist_ok=True)
    try:
        for pid in daemons:
            (RUNTIME_GROUP / "cgroup.procs").write_text(str(pid))
        yield RUNTIME_GROUP
    finally:
        for pid in (RUNTIME_GROUP / "cgroup.procs").read_text().split():
            # Back to the root, with whatever else was forked in the group (gone: exited).
            with suppress(OSError):
                (CGROUP / "cgroup.procs").write_text(pid)
        with suppress(OSError):
            RUNTIME_GROUP.rmdir()


def _busy_s() -> float:
    """The whole machine's busy CPU seconds so far (/proc/stat: all but idle and iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def _children_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _self_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class _Counters:
    """Every account read at one instant."""

    machine: float
    own: float
    children: float
    daemons: dict[int, float]
    runtime: float
    sandboxes: float

    @classmethod
    def read(cls, daemons: list[int], runtime: Path | None) -> _Counters:
        return cls(
            machine=_busy_s(),
            own=_self_s(),
            children=_children_s(),
            daemons={pid: cpu_of([pid]) for pid in daemons},
            runtime=_cgroup_s(runtime) if runtime else 0.0,
            sandboxes=_cgroup_s(CGROUP / "docker"),
        )


def profile(run_once: Callable[[], object], gradings: int, settle_s: float = 1.5) -> dict[str, Any]:
    """CPU seconds per grading, by role, over ``gradings`` runs of ``run_once`` (the pool's
    refill and background removals included: ``settle_s`` after the last)."""
    names = {pid: name for name in DAEMONS for pid in pids_named(name)}
    try:
        with runtime_cgroup(list(names)) as runtime, accounting() as read:
            before = _Counters.read(list(names), runtime)
            started = time.monotonic()
            for _ in range(gradings):
                run_once()
            time.sleep(settle_s)
            wall = time.monotonic() - started
            after = _Counters.read(list(names), runtime)
            records = read()
    except OSError as exc:
        return {"error": str(exc)}
    return summarise(before, after, names, records, wall, gradings)


def summarise(
    before: _Counters,
    after: _Counters,
    names: dict[int, str],
    records: list[Exited],
    wall_s: float,
    gradings: int,
) -> dict[str, Any]:
    """Exact accounts give the seconds; the exit records split the sandboxes' between their
    PID 1 and the rest, and count the processes of each role."""
    roles: dict[str, float] = defaultdict(float)
    for pid, name in names.items():
        if pid in before.daemons and pid in after.daemons:
            roles[name] += after.daemons[pid] - before.daemons[pid]
    daemons = sum(roles.values())
    if after.runtime:
        roles["containerd-shim and runc"] = max(after.runtime - before.runtime - daemons, 0.0)
    roles["grader process (this one)"] = after.own - before.own
    roles["git and the grader's other children"] = after.children - before.children
    counts, exited = _by_role(records)
    sandboxes = after.sandboxes - before.sandboxes
    pid1 = exited.get(PID1, 0.0)
    share = pid1 / max(pid1 + exited.get(SUITE, 0.0), 1e-9)
    roles[PID1] = sandboxes * share
    roles[SUITE] = sandboxes - roles[PID1]
    whole = after.machine - before.machine
    roles["everything else (kernel, other processes)"] = max(whole - sum(roles.values()), 0.0)
    return {
        "gradings": gradings,
        "wall_s": round(wall_s, 3),
        "whole_machine_cpu_s_per_grading": round(whole / gradings, 4),
        "cpu_s_per_grading": {
            k: round(v / gradings, 4) for k, v in sorted(roles.items(), key=lambda kv: -kv[1])
        },
        "processes_per_grading": {k: round(v / gradings, 1) for k, v in sorted(counts.items())},
        "note": "on a busy machine, other users' containers and runc count too",
    }


PID1 = "sandbox: PID 1 (the supervisor)"
SUITE = "sandbox: the suite and the submission"


def _by_role(records: list[Exited]) -> tuple[dict[str, int], dict[str, float]]:
    by_pid = {r.pid: r for r in records}
    shims = set(pids_named(SHIM))
    me = os.getpid()
    counts: dict[str, int] = defaultdict(int)
    seconds: dict[str, float] = defaultdict(float)
    for record in records:
        name = role(record, by_pid, shims, me)
        counts[name] += 1
        seconds[name] += record.cpu_s
    return counts, seconds
