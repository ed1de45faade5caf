import ast
import shutil
import subprocess
from pathlib import Path

import pytest

from grader.tripwires import CONTROL, Tripwire, plant_java, plant_node, plant_python, scrub


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


@pytest.mark.parametrize(
    ("filename", "source"),
    [
        ("cart.test.js", "const { test } = require('node:test');\ntest('a', () => {});\n"),
        ("cart.test.mjs", "import { test } from 'node:test';\ntest('a', () => {});\n"),
        ("esm.test.js", "import { test } from 'node:test';\ntest('a', () => {});\n"),
    ],
)
def test_node_tripwires_keep_the_module_valid(tmp_path: Path, filename: str, source: str) -> None:
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / filename).write_text(source)
    if filename == "esm.test.js":
        (hidden / "package.json").write_text('{"type": "module"}')
    wires = plant_node(hidden, [f"hidden/{filename}::a"], count=2)
    assert wires[0].expected == "failed"
    planted = (hidden / filename).read_text()
    assert planted.startswith(source.rstrip("\n"))
    assert all(w.id.split("::")[1] in planted for w in wires)
    if shutil.which("node"):
        check = subprocess.run(
            ["node", "--check", str(hidden / filename)], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stderr


def test_scrub_hides_tripwire_names_from_the_output() -> None:
    wires = [
        Tripwire("hidden/test_a.py::test_keeps_order_3", "failed"),
        Tripwire("hidden/a.test.js::handles empty input", "failed"),
    ]
    output = {
        "head": "FAILED hidden/test_a.py::test_keeps_order_3 - assert 3 == 4",
        "tail": "not ok handles empty input",
        "dropped_bytes": 0,
    }
    cleaned = scrub(output, wires)
    assert "keeps_order" not in cleaned["head"] and "handles empty input" not in cleaned["tail"]
    assert CONTROL in cleaned["head"] and cleaned["dropped_bytes"] == 0
    assert output["head"].startswith("FAILED hidden/test_a.py::test_keeps_order_3")


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
    from grader.challenge import load_challenge
    from grader.config import get_settings
    from grader.fetch import FetchPolicy
    from grader.pipeline import grade
    from grader.prepare import prepare
    from tests.conftest import WORD_FREQUENCY, make_repo

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


def test_java_tripwires_are_methods_of_the_first_top_level_class(tmp_path: Path) -> None:
    hidden = tmp_path / "hidden" / "com" / "shop"
    hidden.mkdir(parents=True)
    source = (
        "package com.shop;\n\nimport org.junit.jupiter.api.Test;\n\n"
        "class CartTest {\n    @Test\n    void adds() {}\n\n"
        "    class Inner {\n    }\n}\n"
    )
    (hidden / "CartTest.java").write_text(source)
    wires = plant_java(tmp_path / "hidden", ["hidden/com/shop/CartTest.java::CartTest::adds"])
    assert len(wires) == 2 and wires[0].expected == "failed"
    planted = (hidden / "CartTest.java").read_text()
    for wire in wires:
        path, cls, method = wire.id.split("::")
        assert (path, cls) == ("hidden/com/shop/CartTest.java", "CartTest")
        assert f"    void {method}() {{" in planted
    # inside CartTest, before its first member, so it compiles wherever the class ends
    assert planted.index("@org.junit.jupiter.api.Test") < planted.index("void adds()")
    assert plant_java(tmp_path / "nothing", []) == []
