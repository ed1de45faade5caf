"""Shared fixtures. Docker-marked tests use the real engine and fail (never skip) without it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from grader.config import PROJECT_ROOT, Settings, get_settings
from tests.support.git import git, write_files

WORD_FREQUENCY = PROJECT_ROOT / "challenges" / "word-frequency"


def make_repo(
    path: Path,
    commits: list[tuple[str, Mapping[str, str | bytes | None]]],
    base: Path | None = None,
) -> Path:
    """A git repository: optionally a first commit of ``base``'s files, then ``commits``.

    Each commit maps paths to content (str or bytes); None deletes the path.
    """
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "--quiet", "--initial-branch=main")
    if base is not None:
        shutil.copytree(base, path, dirs_exist_ok=True)
        git(path, "add", "--all")
        git(path, "commit", "--quiet", "--message", "Start from the starter")
    for message, files in commits:
        write_files(path, files)
        git(path, "add", "--all")
        git(path, "commit", "--quiet", "--allow-empty", "--message", message)
    return path


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    """Settings with a private data folder (images are still the engine's, shared)."""
    shared = get_settings()
    yield shared.model_copy(update={"data_dir": tmp_path / "data"})


@pytest.fixture(scope="session")
def docker_services() -> tuple[object, object]:
    """The real image builder and Docker sandbox; the images must be built (make images)."""
    from grader.engine import Engine
    from grader.images import ImageBuilder
    from grader.sandbox import DockerSandbox

    settings = get_settings()
    engine = Engine(settings.docker_timeout_s)
    return ImageBuilder(settings, engine, log=lambda _m: None), DockerSandbox(settings, engine)


@pytest.fixture(scope="session")
def prepared_word_frequency(docker_services: tuple[object, object]) -> object:
    from grader.challenge import load_challenge
    from grader.prepare import prepare

    builder, sandbox = docker_services
    return prepare(load_challenge(WORD_FREQUENCY), builder, sandbox, get_settings())  # type: ignore[arg-type]
