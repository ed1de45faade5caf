"""What every part of the soak uses: the project's root, the log line and running commands.

Nothing here touches Docker, the database or the queue.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent.parent
FINAL = ("graded", "tampered", "error")


def say(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


def succeeds(command: list[str], env: dict[str, str] | None = None) -> bool:
    done = subprocess.run(command, capture_output=True, env=env, timeout=30, check=False)
    return done.returncode == 0
