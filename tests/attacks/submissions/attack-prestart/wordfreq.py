"""Attack: reach the processes PID 1 started before the submission arrived.

In an isolated grading this runs in the pre-started candidate process (uid 10002);
in a shared one, in the test process. It looks for the trusted test process
(launch_pytest.py) and tries to stop, kill, trace or read it, to open its
descriptors (the socket on which PID 1 said go, the results channel), and lists
its own descriptors for any channel of PID 1's it should not hold. What each try
gave comes back through the tests' failure messages (PROBES ...).
"""

import ctypes
import json
import os
import signal
import stat

PROBES = {}


def _try(name, action):
    try:
        result = action()
        PROBES[name] = "done" if result is None else str(result)[:200]
    except Exception as exc:  # noqa: BLE001 - every failure is the point
        PROBES[name] = type(exc).__name__


def _read(path, size=4096):
    with open(path, "rb") as handle:
        return handle.read(size)


def _runner_processes():
    """pid -> command line of every process running the grader's runner, but us."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in (1, os.getpid()):
            continue
        try:
            line = _read(f"/proc/{entry}/cmdline").replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "/opt/grader/" in line:
            found[int(entry)] = line
    return found


def _my_descriptors():
    kinds = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            mode = os.fstat(int(name)).st_mode
        except OSError:
            continue
        kinds[name] = "socket" if stat.S_ISSOCK(mode) else "fifo" if stat.S_ISFIFO(mode) else "other"
    return kinds


others = _runner_processes()
PROBES["others"] = sorted(line.split("/opt/grader/")[1].split()[0] for line in others.values())
trusted = [pid for pid, line in others.items() if "launch_pytest.py" in line]
for pid in trusted:
    for sig in (signal.SIGSTOP, signal.SIGKILL, signal.SIGTERM, signal.SIGUSR1):
        _try(f"kill_{sig.name}", lambda sig=sig, pid=pid: os.kill(pid, sig))
    _try("fd_list", lambda pid=pid: os.listdir(f"/proc/{pid}/fd"))
    for fd in range(3, 12):  # the go socket, the results channel, the control socket
        _try(f"fd{fd}", lambda pid=pid, fd=fd: _read(f"/proc/{pid}/fd/{fd}", 64))
    _try("mem", lambda pid=pid: _read(f"/proc/{pid}/mem"))
    _try("environ", lambda pid=pid: _read(f"/proc/{pid}/environ"))
    _try("ptrace", lambda pid=pid: ctypes.CDLL(None, use_errno=True).ptrace(16, pid, 0, 0)
         or ctypes.get_errno())
    _try("alive", lambda pid=pid: os.kill(pid, 0))
descriptors = _my_descriptors()
PROBES["sockets"] = sum(1 for kind in descriptors.values() if kind == "socket")


def count_words(text):
    raise RuntimeError("PROBES " + json.dumps(PROBES, sort_keys=True))


def top_words(text, n):
    raise RuntimeError("PROBES " + json.dumps(PROBES, sort_keys=True))
