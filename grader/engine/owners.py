"""Which containers and networks are the grader's, whose they are, and when one is left behind.

Every sandbox, service and network carries ``LABEL``, and ``OWNER_LABEL``: the
process that made it, as ``host:pid``. One whose owner is dead on this host is
removed at once; others once older than any grading, or abandoned.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime
from pathlib import Path
from typing import Any

LABEL = "grader.sandbox"
OWNER_LABEL = "grader.owner"


def owner() -> str:
    """This process, as ``host:pid``: what a sandbox or a working folder belongs to."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_is_dead(owner: str) -> bool:
    """True for a process of this host that no longer runs; False when unsure."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # a zombie (killed, not yet reaped) is dead too
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


ABANDONED_AFTER_S = 60.0


def is_stale(container: Any, older_than_s: float, now: float) -> bool:
    """Left behind: its owner is dead, or it is older than any grading, or abandoned.

    Abandoned: created and never started, or ended, a minute ago or more; what a
    live worker leaves when the engine fails between its create and its start,
    or during its removal (an engine restart).
    """
    created = container.attrs.get("Created", "")
    if owner_is_dead(container.labels.get(OWNER_LABEL, "")):
        return True
    if not older_than_s or _age_s(created, now) >= older_than_s:
        return True
    state = container.attrs.get("State", {})
    if state.get("Status") == "created":
        return _age_s(created, now) > ABANDONED_AFTER_S
    if state.get("Status") in ("exited", "dead"):
        return _age_s(state.get("FinishedAt", ""), now) > ABANDONED_AFTER_S
    return False


def _age_s(created: str, now: float) -> float:
    try:
        stamp = datetime.fromisoformat(created[:26].rstrip("Z") + "+00:00")
    except ValueError:
        return float("inf")
    return now - stamp.timestamp()
