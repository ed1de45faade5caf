"""Mirror tripwires: they call the candidate's code, and fail for every honest submission."""

from __future__ import annotations

import ast
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from grader import mirrors
from grader.languages.python import plant_python
from tests.conftest import WORD_FREQUENCY

SOURCE = """import pytest


def test_counts():
    assert count("a a") == {"a": 2}


def test_flag():
    assert is_on() == True


@pytest.mark.parametrize("n", [1, 2])
def test_param(n):
    assert n == 1


class TestGroup:
    def test_in_class(self):
        assert 1 == 1


def test_left_literal():
    assert 3 == total([1, 2])
"""


def names() -> Callable[[], str]:
    counter = iter(range(100))
    return lambda: f"test_mirror_{next(counter)}"


def test_only_plain_functions_with_a_mirrorable_literal_are_mirrored() -> None:
    found = mirrors.mirrors(SOURCE, names(), random.Random(1), limit=10)
    assert len(found) == 2
    counts = next(m for m in found if "count('a a')" in m.source)
    assert "'a': 2" in counts.source and "{'a': 2}" not in counts.source  # one more key
    left = next(m for m in found if "total([1, 2])" in m.source)
    assert "assert 3 ==" not in left.source


def test_inserted_mirrors_keep_the_module_valid() -> None:
    found = mirrors.mirrors(SOURCE, names(), random.Random(2), limit=10)
    planted = mirrors.insert(SOURCE, found)
    defined = {node.name for node in ast.parse(planted).body if hasattr(node, "name")}
    assert {m.name for m in found} <= defined and "test_counts" in defined


@pytest.mark.parametrize(("tree", "originals_pass"), [("solution", True), ("starter", False)])
def test_mirrors_fail_for_right_and_wrong_submissions(
    tmp_path: Path, tree: str, originals_pass: bool
) -> None:
    shutil.copytree(WORD_FREQUENCY / tree, tmp_path, dirs_exist_ok=True)
    shutil.copytree(WORD_FREQUENCY / "hidden", tmp_path / "hidden")
    wires = plant_python(tmp_path / "hidden", [])
    mirrored = [w for w in wires if w.expected == "not-passed"]
    assert mirrored, "word-frequency has mirrorable tests"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA", "hidden"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    passed = {line.split()[1] for line in done.stdout.splitlines() if line.startswith("PASSED ")}
    failed = {
        line.split()[1]
        for line in done.stdout.splitlines()
        if line.startswith(("FAILED ", "ERROR "))
    }
    assert not {w.id for w in mirrored} & passed
    assert {w.id for w in mirrored} <= failed
    if originals_pass:  # on the solution, only the tripwires meant to fail do
        assert failed == {w.id for w in wires if w.expected != "passed"}


def test_only_eligible_tests_are_mirrored() -> None:
    found = mirrors.mirrors(
        SOURCE, names(), random.Random(3), limit=10, eligible=lambda name: name != "test_counts"
    )
    assert [m for m in found if "total([1, 2])" in m.source] == found and len(found) == 1


SLOW_AND_FAST = """def test_fast():
    assert total([1, 2]) == 3


def test_slow():
    assert total(range(10**8)) == 4999999950000000
"""


def test_slow_tests_are_not_mirrored_when_their_times_are_known(tmp_path: Path) -> None:
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_sum.py").write_text(SLOW_AND_FAST)
    ids = ["hidden/test_sum.py::test_fast", "hidden/test_sum.py::test_slow"]
    for _ in range(20):  # the mirrored test is picked at random
        shutil.rmtree(hidden)
        hidden.mkdir()
        (hidden / "test_sum.py").write_text(SLOW_AND_FAST)
        wires = plant_python(hidden, ids, durations={ids[0]: 0.001, ids[1]: 2.5})
        mirrored = [w for w in wires if w.expected == "not-passed"]
        source = (hidden / "test_sum.py").read_text()
        assert len(mirrored) == 1 and source.count("total([1, 2])") == 2
        assert source.count("range(10 ** 8)") + source.count("range(10**8)") == 1


def test_every_test_may_be_mirrored_when_times_are_unknown(tmp_path: Path) -> None:
    seen = set()
    for attempt in range(40):
        hidden = tmp_path / str(attempt) / "hidden"
        hidden.mkdir(parents=True)
        (hidden / "test_sum.py").write_text(SLOW_AND_FAST)
        plant_python(hidden, [])
        source = (hidden / "test_sum.py").read_text()
        seen.add("slow" if source.count("10**8") + source.count("10 ** 8") == 2 else "fast")
    assert seen == {"slow", "fast"}
