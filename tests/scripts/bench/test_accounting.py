"""scripts/bench/accounting.py: exit records read as the kernel writes them, each process
given its role, and the exact accounts turned into seconds per grading."""

from __future__ import annotations

import os
import subprocess

import pytest

from scripts.bench import accounting
from scripts.bench.accounting import PID1, RECORD, SUITE, Exited, _Counters


def record(pid: int, ppid: int, comm: str, ticks: int, version: int = 3) -> bytes:
    # flag, version, tty, exitcode, uid, gid, pid, ppid, btime, etime, utime, stime, 6 more
    return RECORD.pack(
        0, version, 0, 0, 0, 0, pid, ppid, 0, 1.0, ticks, 0, 0, 0, 0, 0, 0, 0, comm.encode()
    )


def test_records_are_parsed_with_their_comp_t_times() -> None:
    big = (1 << 13) | 100  # mantissa 100, exponent 1: 100 * 8 ticks
    data = record(10, 1, "runc", 7) + record(11, 10, "python3", big) + record(12, 1, "x", 5, 2)
    parsed = accounting.parse(data)
    assert parsed == [Exited(10, 1, "runc", 0.07), Exited(11, 10, "python3", 8.0)]


def test_each_process_gets_its_role() -> None:
    me = os.getpid()
    records = [
        Exited(100, 50, "containerd-shim", 0.01),
        Exited(101, 100, "python", 0.2),  # the sandbox's PID 1
        Exited(102, 101, "python", 1.0),  # pytest, started by the supervisor
        Exited(103, 102, "python", 0.3),  # the candidate's process
        Exited(200, 300, "python", 0.1),  # PID 1 of a sandbox whose shim is still alive
        Exited(104, 50, "runc:[1:CHILD]", 0.0),
        Exited(105, me, "git", 0.01),
        Exited(106, 105, "git-upload-pack", 0.01),
        Exited(107, 1, "bash", 0.5),
    ]
    by_pid = {r.pid: r for r in records}
    roles = [accounting.role(r, by_pid, {300}, me) for r in records]
    assert roles == [
        "containerd-shim",
        PID1,
        SUITE,
        SUITE,
        PID1,
        "runc",
        "git",
        "git",
        "other processes",
    ]


def test_exact_accounts_become_seconds_per_grading() -> None:
    before = _Counters(
        machine=100.0,
        own=1.0,
        children=0.5,
        daemons={7: 10.0, 8: 3.0},
        runtime=20.0,
        sandboxes=50.0,
    )
    after = _Counters(
        machine=110.0,
        own=1.4,
        children=0.7,
        daemons={7: 11.0, 8: 3.5},
        runtime=22.0,
        sandboxes=56.0,
    )
    records = [
        Exited(100, 50, "containerd-shim", 0.0),
        Exited(101, 100, "python", 1.0),
        Exited(102, 101, "python", 3.0),
    ]
    out = accounting.summarise(before, after, {7: "dockerd", 8: "containerd"}, records, 9.0, 2)
    seconds = out["cpu_s_per_grading"]
    assert seconds["dockerd"] == 0.5 and seconds["containerd"] == 0.25
    assert seconds["containerd-shim and runc"] == 0.25  # 2.0 in the group less the daemons' 1.5
    assert seconds["grader process (this one)"] == 0.2
    assert seconds["git and the grader's other children"] == 0.1
    assert seconds[PID1] == 0.75 and seconds[SUITE] == 2.25  # 6 s split 1:3 by the records
    assert seconds["everything else (kernel, other processes)"] == 0.7  # 10 less 8.6, halved
    assert out["whole_machine_cpu_s_per_grading"] == 5.0
    assert next(iter(seconds)) == SUITE  # the largest first


@pytest.mark.skipif(os.geteuid() != 0, reason="acct(2) needs root")
def test_accounting_records_a_real_process() -> None:
    with accounting.accounting() as read:
        subprocess.run(["sh", "-c", "exit 0"], check=True)
        seen = read()
    assert any(r.comm == "sh" and r.ppid == os.getpid() for r in seen)
