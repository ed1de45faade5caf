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
"""

import contextlib
import ctypes
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grader_audit
import grader_plugin
import pytest

PR_SET_DUMPABLE = 4
CONTROL = "--grader-control-fd="

with contextlib.suppress(OSError):
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)

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
