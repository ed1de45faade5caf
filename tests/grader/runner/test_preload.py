"""The pre-started processes' preload of a challenge's installed packages (grader_preload.py).

Run against this project's own virtualenv, with a lock naming packages installed in it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "grader" / "runner"))

import grader_preload as preload


@pytest.fixture
def clean_h11(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """h11 is installed here and imported by nothing the tests load: start without it.
    (This virtualenv may itself live under /work, the sandbox's submission folder.)"""
    monkeypatch.setattr(preload, "WORKDIR", str(tmp_path / "work"))
    saved = {k: v for k, v in sys.modules.items() if k == "h11" or k.startswith("h11.")}
    for name in saved:
        del sys.modules[name]
    yield
    sys.modules.update(saved)


def lock(tmp_path: Path, *lines: str) -> str:
    path = tmp_path / "lock.txt"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_the_lock_names_the_distributions(tmp_path: Path) -> None:
    path = lock(tmp_path, "typing_extensions==4.16.0", "Annotated.Types==0.8.0", "# comment")
    assert preload.locked_distributions(path) == {"typing-extensions", "annotated-types"}
    assert preload.locked_distributions(str(tmp_path / "none.txt")) == set()


def test_the_runner_own_packages_are_never_preloaded() -> None:
    assert preload.top_level_modules({"pytest", "pluggy", "h11"}) == ["h11"]


def test_the_locked_packages_are_imported(tmp_path: Path, clean_h11: None) -> None:
    added = preload.preload(lock(tmp_path, "h11==0.16.0", "no-such-dist-xyz==1.0"))
    assert "h11" in added and "h11" in sys.modules
    assert sys.modules["h11"].__file__ is not None
    assert "site-packages" in sys.modules["h11"].__file__


def test_a_submission_that_shadows_a_preloaded_package_gets_its_own(
    tmp_path: Path, clean_h11: None
) -> None:
    added = preload.preload(lock(tmp_path, "h11==0.16.0"))
    work = tmp_path / "work"
    work.mkdir()
    (work / "app.py").write_text("")
    assert preload.forget_if_shadowed(added, str(work)) is False
    assert "h11" in sys.modules
    (work / "h11.py").write_text("")
    assert preload.forget_if_shadowed(added, str(work)) is True
    assert not any(name == "h11" or name.startswith("h11.") for name in sys.modules)


@pytest.mark.parametrize("entry", ["h11.pyc", "h11.cpython-311-x86_64-linux-gnu.so", "h11.abi3.so"])
def test_a_compiled_or_extension_shadow_counts_too(
    tmp_path: Path, clean_h11: None, entry: str
) -> None:
    """CPython imports a top-level name.pyc or extension module as ``name``: such a file
    shadows the preloaded package as name.py would."""
    added = preload.preload(lock(tmp_path, "h11==0.16.0"))
    work = tmp_path / "work"
    work.mkdir()
    (work / entry).write_bytes(b"")
    assert preload.forget_if_shadowed(added, str(work)) is True
    assert "h11" not in sys.modules


@pytest.mark.parametrize(
    "entries",
    [
        ["h11.yaml"],  # a configuration file named like a module is no module
        ["h11.txt", "logging.yaml", "locale/messages.po"],
        ["h11/data.json"],  # a folder without __init__: a namespace portion, which loses
    ],
)
def test_what_cpython_would_not_import_first_shadows_nothing(
    tmp_path: Path, clean_h11: None, entries: list[str]
) -> None:
    """The preload pulls in standard modules too (logging, locale...): only what would
    really be imported ahead of them makes the candidate process drop what it preloaded."""
    added = preload.preload(lock(tmp_path, "h11==0.16.0"))
    work = tmp_path / "work"
    for entry in entries:
        (work / entry).parent.mkdir(parents=True, exist_ok=True)
        (work / entry).write_text("")
    assert preload.forget_if_shadowed(added, str(work)) is False
    assert "h11" in sys.modules


def test_a_package_folder_shadows(tmp_path: Path, clean_h11: None) -> None:
    added = preload.preload(lock(tmp_path, "h11==0.16.0"))
    (tmp_path / "work" / "h11").mkdir(parents=True)
    (tmp_path / "work" / "h11" / "__init__.py").write_text("")
    assert preload.forget_if_shadowed(added, str(tmp_path / "work")) is True
    assert "h11" not in sys.modules
