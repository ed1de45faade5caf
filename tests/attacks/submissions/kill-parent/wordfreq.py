"""Attack: kill, terminate or stop the parent process (the supervisor, PID 1)."""

import os
import signal

for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP):
    try:
        os.kill(os.getppid(), sig)
    except OSError:
        pass


def count_words(text):
    raise NotImplementedError


def top_words(text, n):
    raise NotImplementedError
