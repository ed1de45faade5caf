"""Python's record: its control tests (tripwires first in every module) and what they cost
an honest submission whose fixtures use its code."""

import ast
import shutil
from pathlib import Path

import pytest

from grader.challenge import load_challenge
from grader.config import get_settings
from grader.fetch import FetchPolicy
from grader.languages.python import plant_python
from grader.pipeline import grade
from grader.prepare import prepare
from tests.conftest import WORD_FREQUENCY, make_repo


def test_tripwires_are_new_valid_tests_with_at_least_one_must_fail(tmp_path: Path) -> None:
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_a.py").write_text("def test_x():\n    assert True\n")
    (hidden / "test_b.py").write_text("import os\n\n\ndef test_y():\n    pass\n")
    wires = plant_python(hidden, ["hidden/test_a.py::test_x", "hidden/test_b.py::test_y"], count=3)
    assert len(wires) == 3
    assert wires[0].expected == "failed"
    assert len({w.id for w in wires}) == 3
    for wire in wires:
        path, name = wire.id.split("::")
        source = (tmp_path / path).read_text()
        tree = ast.parse(source)
        assert name in {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert name not in {"test_x", "test_y"}


def test_tripwire_names_differ_between_gradings(tmp_path: Path) -> None:
    names = set()
    for attempt in range(5):
        hidden = tmp_path / str(attempt) / "hidden"
        hidden.mkdir(parents=True)
        (hidden / "test_a.py").write_text("def test_x():\n    pass\n")
        names.add(plant_python(hidden, [], count=1)[0].id)
    assert len(names) > 1


AUTOUSE_CONFTEST = """import pytest


@pytest.fixture(autouse=True)
def warmed_up():
    import wordfreq  # the candidate's code, called before every test of the suite

    wordfreq.count_words("warm up")
    yield
"""


@pytest.mark.docker
@pytest.mark.parametrize(
    ("source", "status"),
    [
        ("starter", "graded"),  # not implemented yet: every fixture errors
        ("solution", "graded"),  # every fixture works
    ],
)
def test_a_suite_whose_fixtures_use_the_candidates_code_grades_honest_work_fairly(
    tmp_path: Path, docker_services: tuple[object, object], source: str, status: str
) -> None:
    """Planted tests share the module's autouse fixtures: when those fail on a broken
    submission, the control tests error like every other test; that is not tampering."""
    root = tmp_path / "challenge"
    shutil.copytree(WORD_FREQUENCY, root, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "hidden" / "conftest.py").write_text(AUTOUSE_CONFTEST)
    builder, sandbox = docker_services
    settings = get_settings()
    prepared = prepare(load_challenge(root), builder, sandbox, settings)  # type: ignore[arg-type]
    code = (root / source / "wordfreq.py").read_text()
    repo = make_repo(
        tmp_path / "repo",
        [("Work", {"wordfreq.py": code, "NOTES.md": "work\n"})],
        base=root / "starter",
    )
    report = grade(
        prepared,
        str(repo),
        None,
        settings=settings,
        sandbox=sandbox,  # type: ignore[arg-type]
        policy=FetchPolicy(allow_local=True),
    ).report
    assert report.status == status, report.notes
    passed = {t.outcome for t in report.tests} == {"passed"}
    assert passed is (source == "solution")
