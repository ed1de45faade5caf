"""Starts pytest inside the sandbox with the grader's plugin, in isolated mode.

Run as ``python -I -B launch_pytest.py ARGS``: -I ignores PYTHON* variables and
user site-packages and keeps the working directory off sys.path, so nothing in
the submission (a pytest.py, a sitecustomize.py) is imported before pytest and
the grader's plugin are loaded.

With ``--grader-control-fd`` (an isolated grading) the submission never enters
this process: the proxy importer of grader_isolation serves its modules from a
candidate process, and the submission root stays off sys.path. This process
makes itself undumpable first, so no other process of its uid can trace it or
open its descriptors. Without it (a shared grading), the submission root is put
on the import path, as ``python -m pytest`` run from that root would do.

Pre-started (``launch_pytest.py --grader-wait-fd=N``, the only argument): PID 1
starts this process before the submission arrives (supervise_prestart.py). It
imports pytest and the grader's plugin, makes itself undumpable, imports pytest's
built-in plugins, the grader's other modules and the challenge's installed
packages (grader_preload.py), says ``ready`` on the socket N
(whose other end only PID 1 holds) and blocks there until PID 1 sends one JSON
line, ``{"argv": [...], "env": {...}}``: the arguments it would have been started
with and the services' variables. It closes the socket, and goes on exactly as a
process started with those arguments.
"""

import contextlib
import ctypes
import importlib
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grader_audit
import grader_plugin
import pytest

PR_SET_DUMPABLE = 4
CONTROL = "--grader-control-fd="
WAIT = "--grader-wait-fd="
MAX_GO = 1 << 20

# Before any wait or run: no process of our uid may trace or open us.
with contextlib.suppress(OSError):
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def wait_for_go(fd: int) -> None:
    """The pre-started mode: load what every run needs, then take argv and env from PID 1."""
    import _pytest.config
    import grader_imports  # noqa: F401 - imported now so that the run does not pay for it
    import grader_preload

    for name in (*_pytest.config.essential_plugins, *_pytest.config.default_plugins):
        with contextlib.suppress(ImportError):
            importlib.import_module(f"_pytest.{name}")
    grader_preload.preload()  # the challenge's installed packages (fastapi ...), if any
    channel = socket.socket(fileno=fd)
    with contextlib.suppress(OSError):  # PID 1 may have said go and closed already
        channel.sendall(f"ready {time.monotonic():.6f}\n".encode())
    data = bytearray()
    while not data.endswith(b"\n"):
        chunk = channel.recv(1 << 16)
        if not chunk or len(data) > MAX_GO:
            sys.exit("the supervisor never said go")
        data += chunk
    channel.close()
    go = json.loads(bytes(data))
    os.environ.update({str(k): str(v) for k, v in go["env"].items()})
    sys.argv[1:] = [str(a) for a in go["argv"]]


if len(sys.argv) == 2 and sys.argv[1].startswith(WAIT):
    wait_for_go(int(sys.argv[1][len(WAIT) :]))

control = [a for a in sys.argv[1:] if a.startswith(CONTROL)]
if control:
    import grader_imports

    grader_imports.install(int(control[-1][len(CONTROL) :]))
    plugins = [grader_plugin, grader_imports.IsolationPlugin()]
else:
    grader_audit.WATCH.install()  # the submission's code will run in this process
    sys.path.insert(0, os.getcwd())
    plugins = [grader_plugin]
sys.exit(pytest.main(sys.argv[1:], plugins=plugins))
