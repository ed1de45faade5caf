"""Tripwires: tests with unpredictable names whose correct outcome is known.

The candidate's code runs in the same process as the hidden tests, so it can
patch the test runner. A patch that turns failures into passes (or forges the
results file) also turns a must-fail tripwire into a pass, and the grading is
then ``tampered``. Tripwires are appended to the hidden test modules themselves,
with names in the style of their neighbours, so that a patch aimed only at the
modules that import the candidate's code still meets them.

This raises the cost of forgery; it cannot make it impossible for code that
reads every test's source at run time. The sandbox's other checks (expected
test IDs, exit status against results) close the cheaper routes.
"""

from __future__ import annotations

import functools
import random
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import mirrors

WORDS = (
    "handles",
    "keeps",
    "returns",
    "rejects",
    "accepts",
    "preserves",
    "reports",
    "counts",
    "orders",
    "parses",
    "limits",
    "merges",
    "updates",
    "skips",
    "reuses",
)
OBJECTS = (
    "empty_input",
    "duplicates",
    "boundary",
    "large_input",
    "unicode",
    "order",
    "whitespace",
    "missing_values",
    "negative_values",
    "nested_items",
    "defaults",
    "repeated_calls",
    "single_item",
    "mixed_case",
    "zero",
)
TEST_DEF = re.compile(r"^def (test_\w+)\(", re.MULTILINE)


@dataclass(frozen=True)
class Tripwire:
    id: str  # test ID, e.g. hidden/test_basic.py::test_keeps_order_3
    expected: str  # "passed", "failed", or "not-passed" (failed or error)
    first: bool = False  # runs before every other test of its module

    def contradicted_by(self, outcome: str) -> bool:
        """Only an outcome the tripwire's own body cannot produce is evidence. A tripwire
        shares its module's fixtures (autouse, ``pytestmark``): when they error or skip on
        honest but broken code, it errors or skips like its neighbours. A forger gains
        only by turning failures into passes, which a must-fail tripwire exposes."""
        if self.expected == "passed":
            return outcome == "failed"
        return outcome == "passed"  # "failed" and "not-passed" (mirrors)


def _name(rng: random.Random, taken: set[str]) -> str:
    while True:
        name = f"test_{rng.choice(WORDS)}_{rng.choice(OBJECTS)}"
        if rng.random() < 0.5:
            name += f"_{rng.randint(2, 9)}"
        if name not in taken:
            taken.add(name)
            return name


def _python_body(rng: random.Random, must_pass: bool) -> str:
    values = [rng.randint(2, 999) for _ in range(rng.randint(3, 6))]
    total = sum(values) if must_pass else sum(values) + rng.randint(1, 9)
    return f"    values = {values!r}\n    assert sum(values) == {total}\n"


FIRST_TEST = re.compile(r"^(?:@|def test|async def test|class Test)", re.MULTILINE)


def _insert_first(source: str, snippet: str) -> str:
    """``snippet`` just before the module's first test (its decorators included), so it runs
    first; appended at the end if no safe place is found."""
    import ast

    match = FIRST_TEST.search(source)
    if match:
        candidate = source[: match.start()] + snippet + "\n\n" + source[match.start() :]
        try:
            ast.parse(candidate)
            return candidate
        except SyntaxError:
            pass
    return source.rstrip("\n") + "\n\n\n" + snippet


def plant_python(
    hidden_copy: Path,
    test_ids: Iterable[str],
    count: int = 2,
    durations: Mapping[str, float] | None = None,
) -> list[Tripwire]:
    """Plant tripwires in a hidden copy: one as the first test of every test module (the
    first of them must fail), then more at module ends up to ``count`` in all, and mirrors
    of cheap real tests (``durations``: each test's time under the reference solution).

    A tripwire that runs first in its module has a result whenever any test of that
    module has one; results/_check_tampering relies on it.
    """
    rng = random.Random(secrets.randbits(64))
    modules = sorted(p for p in hidden_copy.rglob("test_*.py") if p.is_file())
    if not modules:
        return []
    known = {test_id.split("::")[-1].split("[")[0] for test_id in test_ids}
    planted: list[Tripwire] = []
    planted += _plant_mirrors(hidden_copy, modules, known, rng, _cheap(durations or {}))
    targets = [*modules, *(rng.choice(modules) for _ in range(max(count - len(modules), 0)))]
    for index, module in enumerate(targets):
        source = module.read_text(encoding="utf-8")
        taken = known | set(TEST_DEF.findall(source))
        name = _name(rng, taken)
        must_pass = index > 0 and rng.random() < 0.5
        snippet = f"def {name}():\n" + _python_body(rng, must_pass)
        if index < len(modules):
            source = _insert_first(source, snippet)
        else:
            source = source.rstrip("\n") + "\n\n\n" + snippet
        module.write_text(source, encoding="utf-8")
        relative = module.relative_to(hidden_copy.parent).as_posix()
        expected = "passed" if must_pass else "failed"
        planted.append(Tripwire(f"{relative}::{name}", expected, first=index < len(modules)))
    return planted


MAX_MIRRORS = 3
# A mirror may cost at most this share of the suite's time under the reference solution
# (and at least MIRROR_FLOOR_S is always allowed): a handful of milliseconds for most
# tests, while a slow performance test, mirrored, would double its cost in every grading.
MIRROR_SHARE = 0.02
MIRROR_FLOOR_S = 0.02


def _cheap(durations: Mapping[str, float]) -> Callable[[str], bool]:
    """Which test IDs may be mirrored: all when their times are unknown."""
    if not durations:
        return lambda _test_id: True
    limit = max(MIRROR_FLOOR_S, MIRROR_SHARE * sum(durations.values()))
    return lambda test_id: durations.get(test_id, float("inf")) <= limit


def _eligible(cheap: Callable[[str], bool], module: str, name: str) -> bool:
    return cheap(f"{module}::{name}")


def _plant_mirrors(
    hidden_copy: Path,
    modules: list[Path],
    known: set[str],
    rng: random.Random,
    cheap: Callable[[str], bool],
) -> list[Tripwire]:
    """Copies of cheap real tests with a changed expected value (grader.mirrors): must not
    pass."""
    planted: list[Tripwire] = []
    for module in rng.sample(modules, len(modules)):
        if len(planted) >= MAX_MIRRORS:
            break
        source = module.read_text(encoding="utf-8")
        taken = known | set(TEST_DEF.findall(source))
        relative = module.relative_to(hidden_copy.parent).as_posix()
        found = mirrors.mirrors(
            source,
            functools.partial(_name, rng, taken),
            rng,
            eligible=functools.partial(_eligible, cheap, relative),
        )
        if not found:
            continue
        module.write_text(mirrors.insert(source, found), encoding="utf-8")
        planted += [Tripwire(f"{relative}::{m.name}", "not-passed") for m in found]
    return planted


NODE_TEST_FILES = ("*.test.js", "*.test.mjs", "*.test.cjs")
ESM_IMPORT = re.compile(r"^\s*import\s", re.MULTILINE)


def _node_snippet(rng: random.Random, name: str, must_pass: bool, esm: bool) -> str:
    values = [rng.randint(2, 999) for _ in range(rng.randint(3, 6))]
    total = sum(values) if must_pass else sum(values) + rng.randint(1, 9)
    tag = rng.randint(10, 99)
    check = f"assertCase{tag}.strictEqual(values.reduce((a, b) => a + b, 0), {total});"
    if esm:  # import declarations are hoisted, so they may stand at the end of a module
        return (
            f"\nimport {{ test as testCase{tag} }} from 'node:test';\n"
            f"import assertCase{tag} from 'node:assert';\n\n"
            f"testCase{tag}({name!r}, () => {{\n  const values = {values!r};\n  {check}\n}});\n"
        )
    return (
        f"\n{{\n  const {{ test: testCase{tag} }} = require('node:test');\n"
        f"  const assertCase{tag} = require('node:assert');\n\n"
        f"  testCase{tag}({name!r}, () => {{\n"
        f"    const values = {values!r};\n    {check}\n  }});\n}}\n"
    )


def _is_esm(module: Path, source: str) -> bool:
    if module.suffix in (".mjs", ".cjs"):
        return module.suffix == ".mjs"
    return bool(ESM_IMPORT.search(source)) and "require(" not in source


def plant_node(hidden_copy: Path, test_ids: Iterable[str], count: int = 2) -> list[Tripwire]:
    """Node's tripwires: top-level ``test()`` calls appended to hidden test files."""
    rng = random.Random(secrets.randbits(64))
    modules = sorted({p for pattern in NODE_TEST_FILES for p in hidden_copy.rglob(pattern)})
    if not modules:
        return []
    taken = {test_id.split("::")[-1] for test_id in test_ids}
    planted: list[Tripwire] = []
    for index in range(count):
        module = rng.choice(modules)
        source = module.read_text(encoding="utf-8")
        name = _name(rng, set())[len("test_") :].replace("_", " ")
        while name in taken:
            name += " again"
        taken.add(name)
        must_pass = index > 0 and rng.random() < 0.5
        snippet = _node_snippet(rng, name, must_pass, _is_esm(module, source))
        module.write_text(source.rstrip("\n") + "\n" + snippet, encoding="utf-8")
        relative = module.relative_to(hidden_copy.parent).as_posix()
        planted.append(Tripwire(f"{relative}::{name}", "passed" if must_pass else "failed"))
    return planted


# The first top-level class of a Java test file (no indentation: a nested class is not).
JAVA_CLASS = re.compile(r"^(?:public\s+|final\s+|abstract\s+)*class\s+(\w+)[^{]*\{", re.MULTILINE)


def plant_java(hidden_copy: Path, test_ids: Iterable[str], count: int = 2) -> list[Tripwire]:
    """Java's tripwires: JUnit 5 test methods added to the first class of hidden test files,
    with fully qualified annotations so that no import is needed."""
    rng = random.Random(secrets.randbits(64))
    files = sorted(hidden_copy.rglob("*Test.java"))
    taken = {test_id.split("::")[-1] for test_id in test_ids}
    planted: list[Tripwire] = []
    for index in range(count if files else 0):
        file = rng.choice(files)
        source = file.read_text(encoding="utf-8")
        found = JAVA_CLASS.search(source)
        if found is None:
            continue
        name = _name(rng, taken)
        while name in taken:
            name += "_again"
        taken.add(name)
        must_pass = index > 0 and rng.random() < 0.5
        a, b = rng.randint(2, 99), rng.randint(2, 99)
        method = (
            f"\n    @org.junit.jupiter.api.Test\n    void {name}() {{\n"
            f"        org.junit.jupiter.api.Assertions.assertEquals"
            f"({a + b if must_pass else a + b + 1}, {a} + {b});\n    }}\n"
        )
        file.write_text(source[: found.end()] + method + source[found.end() :], encoding="utf-8")
        relative = file.relative_to(hidden_copy.parent).as_posix()
        planted.append(
            Tripwire(f"{relative}::{found.group(1)}::{name}", "passed" if must_pass else "failed")
        )
    return planted


CONTROL = "[grader control test]"


def scrub(output: dict[str, Any], wires: Iterable[Tripwire]) -> dict[str, Any]:
    """The test output with every tripwire's name replaced, for showing to reviewers.

    Reviewers need not see the grader's control tests; the saved artifacts keep
    them, since re-scoring needs them.
    """
    names = sorted({wire.id.split("::")[-1] for wire in wires}, key=len, reverse=True)
    cleaned = dict(output)
    for key in ("head", "tail"):
        text = cleaned.get(key)
        if isinstance(text, str):
            for name in names:
                text = text.replace(name, CONTROL)
            cleaned[key] = text
    return cleaned
