"""Node's mirrors: which tests are copied, how the copy expects another value, where it goes,
and that the file stays valid (run with Node where the host has it)."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from grader.node_mirrors import plant_mirrors

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
    return hidden / name, plant_mirrors(hidden, [hidden / name], list(ids), durations or {})


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


def test_an_object_or_array_expectation_gains_an_element(tmp_path: Path) -> None:
    source = (
        "const { test } = require('node:test');\nconst assert = require('node:assert/strict');\n"
        "test('hits', () => {\n  assert.deepEqual(hit('a'), { allowed: true, remaining: 2 });\n"
        "});\n"
        "test('lists', () => {\n  assert.deepStrictEqual(list(), []);\n});\n"
    )
    file, wires = _planted(tmp_path, "hits.test.js", source)
    assert len(wires) == 2
    planted = file.read_text()
    assert re.search(r"\{ allowed: true, remaining: 2, [a-z]{6}: 1 \}\);", planted)
    assert re.search(r"list\(\), \[ '[a-z]{6}' \]\);", planted)
    if shutil.which("node"):
        check = subprocess.run(["node", "--check", str(file)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr


def test_the_changed_assertion_is_any_of_the_tests_candidates(tmp_path: Path) -> None:
    """Always the first would leave a forger free to fake every later assertion."""
    source = (
        "const { test } = require('node:test');\nconst assert = require('node:assert');\n"
        "test('two', () => {\n  assert.equal(f(), 'first');\n  assert.equal(g(), 'second');\n"
        "});\n"
    )
    changed = set()
    for run in range(30):
        folder = tmp_path / str(run)
        folder.mkdir()
        file, _wires = _planted(folder, "two.test.js", source)
        mirror = file.read_text()[len(source.rstrip("\n")) :]
        changed |= {word for word in ("first", "second") if f"'{word}'" not in mirror}
    assert changed == {"first", "second"}


def test_a_mirror_is_named_with_words_of_the_files_own_tests(tmp_path: Path) -> None:
    """A fixed vocabulary gave the mirrors away (node-assert-spares-named-tests)."""
    file, wires = _planted(tmp_path, "sums.test.js", NESTED, ids=NESTED_IDS)
    words = set(re.findall(r"[A-Za-z]+", "adds small numbers keeps the label"))
    for wire in wires:
        name = wire.id.split("::")[-1]
        assert name not in ("adds small numbers", "keeps the label")
        assert set(re.findall(r"[A-Za-z]+", name)) <= words, name
        assert f"it('{name}', () => {{" in file.read_text()
