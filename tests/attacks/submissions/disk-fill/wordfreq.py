"""Attack: fill /work, /tmp and /dev/shm until the writes fail, then carry on.

What was written is reported through the tests' failure messages (PROBES ...).
"""

import json
import os

PROBES = {}
CHUNK = b"\0" * (1 << 20)

for folder in ("/work", "/tmp", "/dev/shm", "/work/hidden", "/", "/opt/venv"):
    written, index = 0, 0
    error = None
    while error is None and written < (1 << 30):
        try:
            with open(os.path.join(folder, f"fill-{index}"), "wb") as handle:
                for _ in range(32):
                    handle.write(CHUNK)
                    written += len(CHUNK)
        except OSError as exc:
            error = type(exc).__name__ + ":" + str(exc.errno)
        index += 1
    PROBES[folder] = f"{written >> 20}MB {error}"


def count_words(text):
    raise RuntimeError("PROBES " + json.dumps(PROBES, sort_keys=True))


def top_words(text, n):
    raise RuntimeError("PROBES " + json.dumps(PROBES, sort_keys=True))
