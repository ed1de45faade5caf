"""What ``grader grade`` needs to start its sandbox before it has prepared the challenge.

A fresh ``grader grade`` process spends a few hundred milliseconds importing,
locating and preparing the challenge before it knows which sandbox to start,
and a cold sandbox then takes as long again to start. The last grading of the
same ``--challenge`` argument (from the same folder) left a card in the data
folder: its sandbox job's image, limits and labels. Read with ``json`` alone,
the card lets the sandbox start first, while the rest is imported and prepared.

A card is a guess, never a source of truth. The sandbox it starts is used only
if its pool key (image, limits, runtime, services: grader/pool.py) equals the
one the fresh preparation derives; otherwise it stays unused, is removed at
the end, and the right one is started as without a card. A missing,
unreadable or malformed card means no early start, never an error. A job with
services gets no card: a set of sidecars is not started on a guess.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from grader.challenge import Limits
from grader.config import Settings
from grader.sandbox import SandboxJob

FOLDER = "prestart-cards"
VERSION = 1


def card_path(settings: Settings, challenge_spec: str) -> Path:
    """The card of a ``--challenge`` argument as given from this working folder (a relative
    folder means another challenge from elsewhere)."""
    key = hashlib.sha256(f"{os.getcwd()}\0{challenge_spec}".encode()).hexdigest()[:24]
    return settings.data_dir / FOLDER / f"{key}.json"


def save(settings: Settings, challenge_spec: str, job: SandboxJob) -> None:
    """Remember ``job``'s sandbox for the next grading of this argument (or forget it, for a
    job with services). Best effort: a card that cannot be written is no card."""
    path = card_path(settings, challenge_spec)
    if job.services:
        path.unlink(missing_ok=True)
        return
    card = {
        "version": VERSION,
        "image": job.image,
        "hidden_dir": str(job.hidden_dir),
        "limits": {
            "timeout_s": job.limits.timeout_s,
            "memory_mb": job.limits.memory_mb,
            "cpus": job.limits.cpus,
        },
        "command": job.command,
        "args": list(job.args),
        "isolation": job.isolation,
        "labels": dict(job.labels),
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole, then renamed: a concurrent reader sees the old card or the new one.
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as handle:
            json.dump(card, handle)
        os.replace(handle.name, path)
    except OSError:
        return


def load(settings: Settings, challenge_spec: str) -> SandboxJob | None:
    """The job the last grading of this argument ran (without its working tree), or None."""
    try:
        card = json.loads(card_path(settings, challenge_spec).read_text())
        return _job(card)
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _job(card: Any) -> SandboxJob | None:
    if not isinstance(card, dict) or card.get("version") != VERSION:
        return None
    limits = card["limits"]
    labels = card["labels"]
    args = card["args"]
    if not (
        isinstance(card["image"], str)
        and isinstance(labels, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items())
        and isinstance(args, list)
        and all(isinstance(a, str) for a in args)
    ):
        return None
    return SandboxJob(
        image=card["image"],
        workspace_tar=b"",
        hidden_dir=Path(str(card["hidden_dir"])),
        limits=Limits(
            timeout_s=float(limits["timeout_s"]),
            memory_mb=int(limits["memory_mb"]),
            cpus=float(limits["cpus"]),
        ),
        command=str(card["command"]),
        args=tuple(args),
        isolation=str(card["isolation"]),
        labels=labels,
    )
