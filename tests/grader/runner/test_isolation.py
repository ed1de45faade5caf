"""The trusted process's import guard: no file of the submission is imported there.

The refusals (no frame or runner object reached) are pinned in test_trusted_policy.py.
"""

from __future__ import annotations

import importlib.machinery
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "grader" / "runner"))

import grader_imports as imports


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "work"
    (root / "hidden").mkdir(parents=True)
    monkeypatch.setattr(imports, "WORKDIR", str(root))
    monkeypatch.setattr(imports, "HIDDEN", str(root / "hidden"))
    monkeypatch.syspath_prepend(str(root))
    return root


def test_a_module_only_the_submission_has_is_refused(work: Path) -> None:
    (work / "only_in_submission_xyz.py").write_text("raise SystemExit('ran in the trusted side')")
    with pytest.raises(ImportError, match="never runs in the process that decides"):
        imports.SubmissionGuard().find_spec("only_in_submission_xyz")


def test_a_package_root_of_the_submission_is_refused(work: Path) -> None:
    (work / "pkg_xyz").mkdir()
    (work / "pkg_xyz" / "__init__.py").write_text("")
    with pytest.raises(ImportError):
        imports.SubmissionGuard().find_spec("pkg_xyz")


def test_a_standard_module_the_submission_shadows_comes_from_the_standard_library(
    work: Path,
) -> None:
    (work / "textwrap.py").write_text("raise SystemExit('ran in the trusted side')")
    spec = imports.SubmissionGuard().find_spec("textwrap")
    assert isinstance(spec, importlib.machinery.ModuleSpec)
    assert spec.origin is not None and not spec.origin.startswith(str(work))


def test_the_hidden_tests_and_modules_elsewhere_are_left_to_the_usual_finders(
    work: Path,
) -> None:
    (work / "hidden" / "helpers_xyz.py").write_text("")
    assert imports.SubmissionGuard().find_spec("helpers_xyz", [str(work / "hidden")]) is None
    assert imports.SubmissionGuard().find_spec("json") is None
    assert imports.SubmissionGuard().find_spec("no_such_module_xyz") is None
