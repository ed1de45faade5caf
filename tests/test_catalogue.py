"""Every catalogue challenge is sound: `grader challenge validate` accepts it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from grader.config import PROJECT_ROOT

CATALOGUE = sorted(
    p for p in (PROJECT_ROOT / "challenges").iterdir() if (p / "challenge.toml").is_file()
)


@pytest.mark.docker
@pytest.mark.parametrize("challenge", CATALOGUE, ids=lambda p: p.name)
def test_catalogue_challenge_validates(challenge: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader.cli",
            "challenge",
            "validate",
            str(challenge),
            "--runs",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"valid: {challenge.name}" in done.stdout


def test_the_catalogue_covers_every_test_skill() -> None:
    from grader.challenge import TEST_SKILLS, load_challenge

    covered = {skill.name for path in CATALOGUE for skill in load_challenge(path).skills}
    assert covered == set(TEST_SKILLS)
    assert {load_challenge(path).language for path in CATALOGUE} == {"python", "node", "java"}
