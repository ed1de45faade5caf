"""Challenges that bring their own packages: an image per [environment], locked."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.images import ImageBuilder, environment_image

pytestmark = pytest.mark.docker
SCAFFOLD_ARGS = [sys.executable, "-m", "grader.cli", "challenge"]


def scaffold_with_packages(tmp_path: Path, packages: str) -> Path:
    root = tmp_path / "with-packages"
    done = subprocess.run([*SCAFFOLD_ARGS, "new", str(root)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    manifest = root / "challenge.toml"
    manifest.write_text(manifest.read_text() + f"\n[environment]\npackages = {packages}\n")
    return root


def test_a_package_that_does_not_exist_is_named(tmp_path: Path) -> None:
    root = scaffold_with_packages(tmp_path, '["no-such-package-for-grader-tests==1.0"]')
    done = subprocess.run(
        [*SCAFFOLD_ARGS, "validate", str(root), "--runs", "1"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1
    problems = [line for line in done.stdout.splitlines() if line.startswith("invalid:")]
    assert len(problems) == 1 and "no-such-package-for-grader-tests" in problems[0], done.stdout


def test_packages_are_installed_and_locked(tmp_path: Path, docker_services) -> None:  # type: ignore[no-untyped-def]
    builder: ImageBuilder = docker_services[0]
    language = builder.for_language("python")
    image = environment_image(builder, language, ("six>=1.16",))
    assert image.reference.startswith("grader-env:")
    out = builder.engine.run_in_image(
        image.reference,
        ["/opt/venv/bin/python", "-c", "import six, pytest; print(six.__version__)"],
    )
    locks = list((builder.settings.data_dir / "locks").glob("*.txt"))
    assert any(f"six=={out.strip().splitlines()[-1]}" in lock.read_text() for lock in locks)
    # The same request reuses the image (and its lock) instead of resolving again.
    assert environment_image(builder, language, ("six>=1.16",)).image_id == image.image_id


def test_a_challenge_with_packages_validates(tmp_path: Path) -> None:
    root = scaffold_with_packages(tmp_path, '["six>=1.16"]')
    test = root / "hidden" / "test_behaviour.py"
    test.write_text(
        "import six\n\n"
        + test.read_text()
        + "\n\ndef test_package_is_there():\n    assert six.PY3\n"
    )
    done = subprocess.run(
        [*SCAFFOLD_ARGS, "validate", str(root), "--runs", "1"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    shutil.rmtree(root)
