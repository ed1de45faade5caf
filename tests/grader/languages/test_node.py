"""Node's record: control tests and mirrors that keep the module valid, and the test files
the runner is given."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from grader.languages.node import plant_mirrors, plant_node, suite_files


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


NESTED = """'use strict';
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');

function add(a, b) { return a + b; }

describe('Sums', () => {
  describe('of two', () => {
    it('adds small numbers', () => {
      const total = add(2, 3);
      assert.equal(add(1, 1) > 0, true);
      for (const n of [1, 2]) assert.equal(add(n, 0), n);
      assert.equal(total, 5);
    });
  });

  it('keeps the label', () => {
    assert.equal(add('a', 'b'), 'ab', 'strings concatenate');
  });
});
"""


NESTED_IDS = [
    "hidden/sums.test.js::Sums::of two::adds small numbers",
    "hidden/sums.test.js::Sums::keeps the label",
]


def _planted(tmp_path: Path, name: str, source: str, durations=None, ids=()) -> tuple[Path, list]:
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / name).write_text(source)
    return hidden / name, plant_mirrors(hidden, list(ids), durations or {})


def test_a_mirror_copies_each_real_test_expecting_another_value(tmp_path: Path) -> None:
    file, wires = _planted(tmp_path, "sums.test.js", NESTED, ids=NESTED_IDS)
    assert [w.expected for w in wires] == ["not-passed", "not-passed"]
    planted = file.read_text()
    by_suite = {w.id.rsplit("::", 1)[0]: w.id.rsplit("::", 1)[1] for w in wires}
    assert set(by_suite) == {"hidden/sums.test.js::Sums::of two", "hidden/sums.test.js::Sums"}
    # In the nested block: the loop's assertion and the boolean one are left as they are.
    nested = planted[planted.index(f"it('{by_suite['hidden/sums.test.js::Sums::of two']}'") :]
    changed = re.search(r"assert\.equal\(total, (-?\d+)\);", nested)
    assert changed is not None and abs(int(changed.group(1)) - 5) > 10_000
    assert "assert.equal(add(1, 1) > 0, true);" in nested
    # ...and the mirror closes the block that holds its original, before the next test.
    assert nested.index("\n    });\n  });\n") < nested.index("it('keeps the label'")
    label = planted[planted.index(f"it('{by_suite['hidden/sums.test.js::Sums']}'") :]
    assert re.search(r"assert\.equal\(add\('a', 'b'\), 'ab[a-z]{6}', 'strings", label)
    assert label.endswith("  });\n});\n")
    # The originals stay as they were.
    assert planted.count("assert.equal(total, 5);") == 1 and planted.count("'ab',") == 1


def test_mirrors_keep_the_module_valid_and_fail_where_the_original_passes(tmp_path: Path) -> None:
    if not shutil.which("node"):
        pytest.skip("node is not installed on this host (the sandbox tests run it)")
    file, wires = _planted(tmp_path, "sums.test.js", NESTED)
    run = subprocess.run(
        ["node", "--test", "--test-reporter=tap", str(file)], capture_output=True, text=True
    )
    name = wires[0].id.split("::")[-1]
    assert re.search(rf"^\s*not ok \d+ - {name}$", run.stdout, re.MULTILINE), run.stdout
    assert re.search(r"^\s*ok \d+ - adds small numbers$", run.stdout, re.MULTILINE)
    assert re.search(r"^\s*ok \d+ - keeps the label$", run.stdout, re.MULTILINE)


def test_a_top_level_test_of_an_es_module_is_mirrored_at_the_end(tmp_path: Path) -> None:
    source = (
        "import { test } from 'node:test';\nimport assert from 'node:assert';\n\n"
        "test('counts', async (t) => {\n  const n = await Promise.resolve(3);\n"
        "  assert.strictEqual(n, 3);\n});\n"
    )
    file, wires = _planted(tmp_path, "count.test.mjs", source)
    name = wires[0].id.split("::")[-1]
    assert wires[0].id == f"hidden/count.test.mjs::{name}"
    planted = file.read_text()
    assert planted.startswith(source.rstrip("\n"))
    assert f"test('{name}', async (t) => {{" in planted
    assert re.search(r"assert\.strictEqual\(n, -?\d{5,}\);\n}\);\n?$", planted)


@pytest.mark.parametrize(
    "body",
    [
        "  for (const n of [1]) assert.equal(n, 1);\n",  # in a loop: may not run
        "  [1].forEach((n) => {\n    assert.equal(n, 1);\n  });\n",  # in a callback
        "  assert.equal(f(), true);\n  assert.equal(g(), undefined);\n",  # no literal
        "  other.equal(f(), 1);\n",  # not an assertion module's binding
        "  assert.equal(f(1, 2), 3, 'msg', 4);\n",  # not the expected argument
        "  if (!ready) return;\n  assert.equal(f(), 1);\n",  # may stop before it: could pass
        "  t.skip('later');\n  assert.equal(f(), 1);\n",
    ],
)
def test_a_test_without_a_statement_level_expectation_is_not_mirrored(
    tmp_path: Path, body: str
) -> None:
    source = (
        "const { test } = require('node:test');\nconst assert = require('node:assert');\n"
        f"test('t', () => {{\n{body}}});\n"
    )
    file, wires = _planted(tmp_path, "t.test.js", source)
    assert wires == []
    assert file.read_text() == source


def test_a_slow_test_is_not_mirrored(tmp_path: Path) -> None:
    """A mirror runs its original's code again: a slow test would double its cost."""
    durations = {"hidden/sums.test.js::Sums::of two::adds small numbers": 5.0}
    durations["hidden/sums.test.js::Sums::keeps the label"] = 4.0
    _file, wires = _planted(tmp_path, "sums.test.js", NESTED, durations)
    assert wires == []


def test_a_test_whose_id_the_runner_does_not_know_is_not_mirrored(tmp_path: Path) -> None:
    """A describe with options is not read as one: its test's ID would lack the suite's name,
    and a mirror under a wrong ID would guard nothing (its result would be ignored)."""
    source = NESTED.replace(
        "describe('of two', () => {", "describe('of two', { timeout: 50 }, () => {"
    )
    ids = [NESTED_IDS[0], NESTED_IDS[1]]
    _file, wires = _planted(tmp_path, "sums.test.js", source, ids=ids)
    assert [w.id.rsplit("::", 1)[0] for w in wires] == ["hidden/sums.test.js::Sums"]
