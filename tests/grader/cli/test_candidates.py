"""``grader candidate erase`` and ``grader retention run`` as an operator runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from grader.catalogue import register_challenge
from grader.challenge import load_challenge
from grader.store.db import migrate
from tests.conftest import WORD_FREQUENCY


def grader(data_dir: Path, *args: str, days: int = 0) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GRADER_DATA_DIR": str(data_dir),
        "GRADER_DATABASE_URL": "",
        "GRADER_REDIS_URL": "redis://127.0.0.1:9/0",  # nothing listens: no queue to clean
        "GRADER_RETENTION_DAYS": str(days),
    }
    command = [sys.executable, "-m", "grader.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)


def registered(data_dir: Path) -> None:
    url = f"sqlite:///{data_dir / 'grader.db'}"
    migrate(url)
    register_challenge(url, load_challenge(WORD_FREQUENCY), str(WORD_FREQUENCY), 0)


def test_erase_asks_for_yes_then_removes_the_candidate_and_prints_the_counts(
    tmp_path: Path,
) -> None:
    registered(tmp_path)
    ann = grader(tmp_path, "invite", "--challenge", "word-frequency", "--candidate", "ann@x.org")
    bob = grader(tmp_path, "invite", "--challenge", "word-frequency", "--candidate", "bob@x.org")
    assert ann.returncode == 0 and bob.returncode == 0, ann.stderr
    ann_id, bob_id = json.loads(ann.stdout)["id"], json.loads(bob.stdout)["id"]

    refused = grader(tmp_path, "candidate", "erase", "ann@x.org")
    assert refused.returncode == 2
    assert refused.stderr == (
        "grader: erasing ann@x.org removes all their data for good: run again with --yes\n"
    )
    assert (tmp_path / "repos" / f"{ann_id}.git").is_dir()

    done = grader(tmp_path, "candidate", "erase", "ann@x.org", "--yes")

    assert done.returncode == 0, done.stderr
    first, *counts = done.stdout.splitlines()
    assert first.startswith("erased ann@x.org: erasure ")
    assert "  invitations                1" in counts and "  repositories               1" in counts
    assert "  tokens                     1" in counts and "  audit_redacted             1" in counts
    assert not (tmp_path / "repos" / f"{ann_id}.git").exists()
    assert (tmp_path / "repos" / f"{bob_id}.git").is_dir()
    for stored in tmp_path.glob("grader.db*"):  # the database and its write-ahead log
        assert b"ann@x.org" not in stored.read_bytes(), stored.name

    again = grader(tmp_path, "candidate", "erase", "ann@x.org", "--yes")
    assert again.returncode == 0
    assert again.stdout.splitlines()[0].endswith("(nothing was stored about this email)")


def test_retention_lists_then_erases_who_is_due(tmp_path: Path) -> None:
    off = grader(tmp_path, "retention", "run")
    assert off.returncode == 2 and "GRADER_RETENTION_DAYS" in off.stderr
    registered(tmp_path)
    invited = grader(tmp_path, "invite", "--challenge", "word-frequency", "--candidate", "c@x.org")
    assert invited.returncode == 0
    nobody = grader(tmp_path, "retention", "run", "--dry-run", days=30)
    assert nobody.returncode == 0 and nobody.stdout.startswith("0 candidate(s) inactive since")
    # With a cutoff of 0 days, everyone's last activity is in the past.
    dry = grader(tmp_path, "retention", "run", "--dry-run", days=0)
    assert dry.returncode == 2
