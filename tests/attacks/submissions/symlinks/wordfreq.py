"""Attack: symlinks in the submission to secrets (set up by the test, not stored here).

Inside the sandbox each link points into the container's own file system; what
reading through them gave is reported in the failure messages (PROBES ...).
"""

import json
import os

PROBES = {}
for name in sorted(os.listdir("/work")):
    path = os.path.join("/work", name)
    if not os.path.islink(path):
        continue
    target = os.readlink(path)
    try:
        if os.path.isdir(path):
            PROBES[name] = f"{target} -> dir {sorted(os.listdir(path))[:5]}"
        else:
            with open(path, "rb") as handle:
                PROBES[name] = f"{target} -> read {len(handle.read(4096))} bytes"
    except OSError as exc:
        PROBES[name] = f"{target} -> {type(exc).__name__}"


def count_words(text):
    raise RuntimeError("PROBES " + json.dumps(PROBES, sort_keys=True))


def top_words(text, n):
    raise RuntimeError("PROBES " + json.dumps(PROBES, sort_keys=True))
