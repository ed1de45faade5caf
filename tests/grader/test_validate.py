"""`grader challenge validate` and `new`, against the real sandbox."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import WORD_FREQUENCY

pytestmark = pytest.mark.docker


def validate(path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", "challenge", "validate", str(path), *extra],
        capture_output=True,
        text=True,
        timeout=600,
    )


def copy_challenge(tmp_path: Path) -> Path:
    target = tmp_path / "word-frequency"
    shutil.copytree(WORD_FREQUENCY, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_catalogue_challenge_is_valid() -> None:
    done = validate(WORD_FREQUENCY, "--runs", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "valid: word-frequency (11 tests" in done.stdout
    assert "hidden/test_perf.py::test_many_distinct_words_top_k" in done.stdout  # timings shown


@pytest.mark.parametrize("language", ["python", "node", "java"])
def test_scaffolded_challenge_validates(tmp_path: Path, language: str) -> None:
    command = [sys.executable, "-m", "grader.cli", "challenge", "new", str(tmp_path / "my-task")]
    created = subprocess.run([*command, "--language", language], capture_output=True, text=True)
    assert created.returncode == 0, created.stderr
    done = validate(tmp_path / "my-task", "--runs", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"valid: my-task ({8 if language != 'java' else 4} tests" in done.stdout


def test_failing_reference_is_invalid(tmp_path: Path) -> None:
    root = copy_challenge(tmp_path)
    (root / "solution" / "wordfreq.py").write_text(
        (root / "solution" / "wordfreq.py").read_text().replace('raw.strip("\'")', "raw")
    )
    done = validate(root, "--runs", "1")
    assert done.returncode == 1
    assert (
        "invalid: solution/: hidden/test_basic.py::test_apostrophes_inside_words_are_kept failed"
        in done.stdout
    )


def test_passing_starter_is_invalid(tmp_path: Path) -> None:
    root = copy_challenge(tmp_path)
    shutil.copy(root / "solution" / "wordfreq.py", root / "starter" / "wordfreq.py")
    done = validate(root, "--runs", "1")
    assert done.returncode == 1
    assert "invalid: starter/: scores 100 on every skill" in done.stdout


def test_unmapped_test_is_invalid(tmp_path: Path) -> None:
    root = copy_challenge(tmp_path)
    (root / "hidden" / "test_extra.py").write_text("def test_orphan():\n    pass\n")
    done = validate(root, "--runs", "1")
    assert done.returncode == 1
    assert "hidden/test_extra.py::test_orphan is matched by no skill" in done.stdout


def test_flaky_test_is_named(tmp_path: Path) -> None:
    root = copy_challenge(tmp_path)
    (root / "hidden" / "test_basic.py").write_text(
        (root / "hidden" / "test_basic.py").read_text()
        + "\n\ndef test_coin():\n    import random\n    assert random.random() < 0.5\n"
    )
    done = validate(root, "--runs", "6")
    assert done.returncode == 1
    assert (
        "flaky: hidden/test_basic.py::test_coin" in done.stdout
        or "solution/: hidden/test_basic.py::test_coin failed" in done.stdout
    )


def test_bad_manifest_lists_every_problem(tmp_path: Path) -> None:
    root = copy_challenge(tmp_path)
    manifest = root / "challenge.toml"
    manifest.write_text(
        manifest.read_text()
        .replace('language = "python"', 'language = "cobol"')
        .replace("weight = 2", "weight = 0")
    )
    done = validate(root)
    assert done.returncode == 1
    lines = [line for line in done.stdout.splitlines() if line.startswith("invalid:")]
    assert len(lines) == 2, done.stdout


def invalid_lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stdout.splitlines() if line.startswith("invalid:")]


def test_a_skill_typo_does_not_hide_an_unclaimed_test(tmp_path: Path) -> None:
    """Both in the same run: the manifest's problem first, then the suite's."""
    root = copy_challenge(tmp_path)
    manifest = root / "challenge.toml"
    manifest.write_text(manifest.read_text().replace('"programming"', '"programing"'))
    (root / "hidden" / "test_extra.py").write_text("def test_orphan():\n    pass\n")
    done = validate(root, "--runs", "1")
    assert done.returncode == 1, done.stdout + done.stderr
    assert invalid_lines(done) == [
        "invalid: challenge.toml: skills[0].name: unknown skill "
        '"programing" (did you mean "programming"?)',
        "invalid: challenge.toml: test hidden/test_extra.py::test_orphan "
        "is matched by no skill's tests",
    ]


def test_a_misspelled_test_pattern_is_one_problem(tmp_path: Path) -> None:
    root = copy_challenge(tmp_path)
    manifest = root / "challenge.toml"
    manifest.write_text(manifest.read_text().replace("hidden/test_perf.py", "hidden/test_pref.py"))
    done = validate(root, "--runs", "1")
    assert done.returncode == 1, done.stdout + done.stderr
    assert invalid_lines(done) == [
        'invalid: challenge.toml: skills.performance.tests: "hidden/test_pref.py::*" matches '
        'no test (did you mean "hidden/test_perf.py::*"? it would claim 2 test(s) no skill claims)'
    ]
