"""``grader regrade`` as an operator runs it: start, show the diff, publish, and its refusals."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from grader.store.db import migrate
from tests.support.regrades import CLOSED_REDIS, finish_shadows, seed_round, settings_on


def grader(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GRADER_DATA_DIR": str(data_dir),
        "GRADER_DATABASE_URL": "",
        "GRADER_REDIS_URL": CLOSED_REDIS,
    }
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_start_show_publish(tmp_path: Path) -> None:
    settings = settings_on(f"sqlite:///{tmp_path / 'grader.db'}", tmp_path)
    migrate(settings.effective_database_url)
    made = seed_round(settings)

    started = grader(tmp_path, "regrade", "--challenge", "word-frequency")
    assert started.returncode == 0, started.stderr
    regrade_id = started.stdout.split()[1]
    assert started.stdout == (
        f"regrade {regrade_id} of word-frequency against version v2: "
        "3 submission(s) queued behind live gradings\n"
        "Redis is unreachable: the workers will queue them once it is back\n"
        f"follow it with: grader regrade show {regrade_id}\n"
    )
    finish_shadows(made, regrade_id, {"ada": "complete", "bob": "partial", "cy": "failing"})

    shown = grader(tmp_path, "regrade", "show", regrade_id)
    assert shown.returncode == 0, shown.stderr
    print(shown.stdout)  # the report quotes it
    lines = shown.stdout.splitlines()
    assert lines[0] == f"regrade {regrade_id} of word-frequency against version v2: ready"
    assert lines[2] == "  1 up, 1 down, 1 unchanged, 0 errored, 0 pending"
    ada = next(line for line in lines if "ada@example.com" in line)
    assert ada.split()[-3:] == ["85.2", "100.0", "up"]
    assert (
        "  test  hidden/test_basic.py::test_punctuation_separates_words: failed -> passed" in lines
    )
    assert "  skill programming: 77.8 -> 100.0" in lines

    published = grader(tmp_path, "regrade", "publish", regrade_id)
    assert published.stdout == f"published regrade {regrade_id}: 3 result(s) are now current\n"
    again = grader(tmp_path, "regrade", "publish", regrade_id)
    assert again.returncode == 2
    assert f"regrade {regrade_id} is already published by cli" in again.stderr
    listed = grader(tmp_path, "regrade", "list")
    assert regrade_id in listed.stdout and "published" in listed.stdout


def test_refusals_are_bad_input(tmp_path: Path) -> None:
    alone = grader(tmp_path, "regrade")
    assert alone.returncode == 2
    assert "give --challenge to start a regrade, or a command" in alone.stderr
    unknown = grader(tmp_path, "regrade", "--challenge", "nope")
    assert unknown.returncode == 2 and "unknown challenge 'nope'" in unknown.stderr
    missing = grader(tmp_path, "regrade", "discard", "nope")
    assert missing.returncode == 2 and "no regrade nope" in missing.stderr
