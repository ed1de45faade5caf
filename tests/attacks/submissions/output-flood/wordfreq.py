"""Attack: hundreds of MB on stdout and stderr, at import and from the tests.

pytest captures fd 1 and 2 into files in /tmp while it collects and runs
tests, so the flood also goes straight to the pipe the supervisor reads (the
descriptor pytest saved), bypassing the capture.
"""

import os
import sys

BLOCK = b"PASSED 11 passed\n" * 4096  # ~68 KB


def _pipes():
    found = []
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{name}").startswith("pipe:"):
                found.append(int(name))
        except OSError:
            pass
    return found


def _flood(megabytes):
    for fd in [1, 2, *_pipes()]:
        total = 0
        try:
            while total < megabytes << 20:
                total += os.write(fd, BLOCK)
        except OSError:
            pass
    text = BLOCK.decode()
    try:
        for _ in range(200):
            sys.stdout.write(text)
            sys.stderr.write(text)
    except OSError:
        pass


_flood(150)


def count_words(text):
    _flood(20)
    raise NotImplementedError


def top_words(text, n):
    _flood(20)
    raise NotImplementedError
