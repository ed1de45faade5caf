"""Node's record: control tests that keep the module valid, and the test files the runner
is given."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from grader.challenge import load_challenge
from grader.languages import Isolation
from grader.languages.node import plant_node, suite_files


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


def test_the_runner_is_given_each_hidden_test_file_and_nothing_else(tmp_path: Path) -> None:
    hidden = tmp_path / "hidden"
    (hidden / "sub").mkdir(parents=True)
    for name in ("a.test.js", "sub/b.test.mjs", "c.test.cjs", "helpers.js", "d.spec.js"):
        (hidden / name).write_text("")
    assert suite_files(hidden) == ("hidden/a.test.js", "hidden/c.test.cjs", "hidden/sub/b.test.mjs")


def test_two_tripwires_in_one_es_module_never_share_a_binding(tmp_path: Path) -> None:
    """Both land in the one module; a repeated import binding would make it fail to load."""
    for attempt in range(60):
        hidden = tmp_path / str(attempt) / "hidden"
        hidden.mkdir(parents=True)
        source = "import { test } from 'node:test';\ntest('a', () => {});\n"
        (hidden / "only.test.mjs").write_text(source)
        plant_node(hidden, ["hidden/only.test.mjs::a"], count=4)
        planted = (hidden / "only.test.mjs").read_text()
        bindings = re.findall(r"import \{ test as (testCase\d+) \}", planted)
        assert len(bindings) == 4 and len(set(bindings)) == 4, planted


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("const assert = require('node:assert/strict');\n", "node:assert/strict"),
        ('const assert = require("assert");\n', "assert"),
        ("import assert from 'node:assert/strict';\n", "node:assert/strict"),
        ("import { strict as assert } from 'assert/strict';\n", "assert/strict"),
        ("const { test } = require('node:test');\n", "node:assert"),
    ],
)
def test_control_tests_assert_through_the_files_own_assertion_module(
    tmp_path: Path, source: str, module: str
) -> None:
    """A submission that silences the module the hidden tests assert with silences the
    controls too (node-strict-assert-noop in tests/attacks)."""
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "a.test.js").write_text(source + "test('a', () => {});\n")
    plant_node(hidden, ["hidden/a.test.js::a"], count=2)
    planted = (hidden / "a.test.js").read_text()[len(source) :]
    found = re.findall(r"""(?:require\(|from )'((?:node:)?assert(?:/strict)?)'""", planted)
    assert found == [module] * 2


NODE_MANIFEST = """
id = "node-demo"
title = "Demo"
language = "node"

[[skills]]
name = "programming"
tests = ["hidden/cart.test.js::*"]
"""


@pytest.mark.parametrize(
    ("grading", "isolation"),
    [("", Isolation.SHARED), ('\n[grading]\nisolation = "process"\n', Isolation.PROCESS)],
)
def test_node_challenges_are_shared_unless_they_ask_for_process(
    tmp_path: Path, grading: str, isolation: Isolation
) -> None:
    for folder in ("starter", "solution", "hidden"):
        (tmp_path / folder).mkdir()
    (tmp_path / "statement.md").write_text("# Demo\n")
    (tmp_path / "challenge.toml").write_text(NODE_MANIFEST + grading)
    assert load_challenge(tmp_path).isolation == isolation
