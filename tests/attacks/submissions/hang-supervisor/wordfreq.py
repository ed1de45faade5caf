"""Attack: at exit, swap the results file for a FIFO nobody will ever write to.

The supervisor opens and reads the results file after the tests; opening a
FIFO for reading blocks until a writer comes, and every other process has been
killed by then. (A symlink to /dev/stdin would do the same: the supervisor's
own stdin, which the host never closes.)
"""

import atexit
import os
import sys


def _results_path():
    for arg in sys.argv:
        if arg.startswith("--grader-results="):
            return arg.split("=", 1)[1]
    return None


def _swap():
    path = _results_path()
    if path:
        os.unlink(path)
        os.mkfifo(path)


atexit.register(_swap)


def count_words(text):
    raise NotImplementedError


def top_words(text, n):
    raise NotImplementedError
