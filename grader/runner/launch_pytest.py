"""Starts pytest inside the sandbox with the grader's plugin, in isolated mode.

Run as ``python -I -B launch_pytest.py ARGS``: -I ignores PYTHON* variables and
user site-packages and keeps the working directory off sys.path, so nothing in
the submission (a pytest.py, a sitecustomize.py) is imported before pytest and
the grader's plugin are loaded. Only then is the submission root put on the
import path, as ``python -m pytest`` run from that root would do.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grader_plugin
import pytest

sys.path.insert(0, os.getcwd())
sys.exit(pytest.main(sys.argv[1:], plugins=[grader_plugin]))
