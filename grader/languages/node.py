"""Node.js: node:test in the sandbox, the submission in the test process (``shared``).

Node 18's runner is given each hidden test file (it does not search folders),
and its control tests are top-level ``test()`` calls appended to hidden test
files, in the module syntax (ESM or CommonJS) of the file they join, and
mirrors of cheap real tests: a copy of an ``it()``/``test()`` whose assertion
expects another value, at the end of the block that holds it. Node's
image needs the grader's own Debian base (the registry's Python image has no
Node.js). The sandbox's side is ``grader/runner/suite_node.py``.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.languages.base import Base, Isolation, Language, LanguageSupport
from grader.tripwires import Tripwire, cheap_tests, control_name

NODE_TEST_FILES = ("*.test.js", "*.test.mjs", "*.test.cjs")
ESM_IMPORT = re.compile(r"^\s*import\s", re.MULTILINE)
# The assertion modules a test file loads (require or import): its control tests assert
# through the same module object, so a submission that silences the file's assertions
# (every function of node:assert/strict made a no-op, the red team's
# node-strict-assert-noop) silences the must-fail control too, and is tampered.
ASSERT_MODULE = re.compile(r"""(?:require\(\s*|from\s+)['"]((?:node:)?assert(?:/strict)?)['"]""")
# The names an assertion module is bound to: `const assert = require(...)`,
# `import assert from ...`, `import { strict as assert } from ...`.
ASSERT_BINDING = re.compile(r"(?:const|let|var|import)\s+(\w+)\s*(?:=|from)|strict\s+as\s+(\w+)")
# A block that opens on its own line and closes on a line `});` at its indentation:
# describe('name', () => {  /  it("name", async (t) => {  /  test('name', function () {
BLOCK = re.compile(
    r"""^(?P<indent>[ \t]*)(?P<kind>describe|suite|it|test)\((?P<q>['"])(?P<name>[^'"\\]+)(?P=q),"""
    r"""\s*(?:async\s+)?(?:\(\w*\)\s*=>|\w+\s*=>|function\s*\w*\s*\(\w*\))\s*\{\s*$"""
)
# An assertion statement whose expected value (its second and last argument, or the one
# before a message) is a number or a plain string literal.
EXPECTATION = re.compile(
    r"""^(?P<indent>[ \t]*)(?P<binding>\w+)\.(?:strictEqual|equal|deepStrictEqual|deepEqual)\("""
    r"""(?P<actual>.+?), (?P<expected>-?\d+(?:\.\d+)?|'[^'\\]*'|"[^"\\]*")"""
    r"""(?P<message>, (?:'[^'\\]*'|"[^"\\]*"))?\);\s*$"""
)
# What may end a test before a later line of its body runs.
ESCAPE = re.compile(r"\breturn\b|\.(?:skip|todo)\(|\bprocess\.exit\b")


def assertion_module(source: str, rng: random.Random) -> str:
    """One of the assertion modules the file loads, or node:assert if it loads none."""
    found = sorted(set(ASSERT_MODULE.findall(source)))
    return rng.choice(found) if found else "node:assert"


def _node_snippet(
    rng: random.Random, name: str, must_pass: bool, esm: bool, tag: int, module: str
) -> str:
    """``tag`` names the snippet's bindings: unique in its module, or an ES module with two
    tripwires would declare one import twice and fail to load, failing all its tests."""
    values = [rng.randint(2, 999) for _ in range(rng.randint(3, 6))]
    total = sum(values) if must_pass else sum(values) + rng.randint(1, 9)
    check = f"assertCase{tag}.strictEqual(values.reduce((a, b) => a + b, 0), {total});"
    if esm:  # import declarations are hoisted, so they may stand at the end of a module
        return (
            f"\nimport {{ test as testCase{tag} }} from 'node:test';\n"
            f"import assertCase{tag} from '{module}';\n\n"
            f"testCase{tag}({name!r}, () => {{\n  const values = {values!r};\n  {check}\n}});\n"
        )
    return (
        f"\n{{\n  const {{ test: testCase{tag} }} = require('node:test');\n"
        f"  const assertCase{tag} = require('{module}');\n\n"
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
    tags: set[int] = set()
    planted: list[Tripwire] = []
    for index in range(count):
        module = rng.choice(modules)
        source = module.read_text(encoding="utf-8")
        name = control_name(rng, set())[len("test_") :].replace("_", " ")
        while name in taken:
            name += " again"
        taken.add(name)
        must_pass = index > 0 and rng.random() < 0.5
        tag = rng.randint(10, 9999)
        while tag in tags or f"Case{tag}" in source:
            tag = rng.randint(10, 9999)
        tags.add(tag)
        assertions = assertion_module(source, rng)
        snippet = _node_snippet(rng, name, must_pass, _is_esm(module, source), tag, assertions)
        module.write_text(source.rstrip("\n") + "\n" + snippet, encoding="utf-8")
        relative = module.relative_to(hidden_copy.parent).as_posix()
        planted.append(Tripwire(f"{relative}::{name}", "passed" if must_pass else "failed"))
    return planted


# Node's mirrors are its main second line (its tests run in the submission's process), so
# every cheap test with a literal expectation is mirrored, up to this many per grading and
# within this share of the suite's time under the reference solution (at least the floor).
MAX_NODE_MIRRORS = 16
MIRROR_BUDGET_SHARE = 0.1
MIRROR_BUDGET_FLOOR_S = 0.1


@dataclass(frozen=True)
class _Test:
    start: int  # the line that opens it
    end: int  # the line that closes it
    suites: tuple[str, ...]  # the describe blocks that hold it, outermost first
    block_end: int  # the line that closes the innermost of them (or the file's end)
    name: str
    quoted: str  # its name as written, quotes included


def plant_mirrors(
    hidden_copy: Path, test_ids: Iterable[str], durations: Mapping[str, float]
) -> list[Tripwire]:
    """Copies of cheap real tests whose statement-level assertion expects another value:
    every honest submission fails them. A forger that turns failing assertions into passes,
    or silences them, and spares only what it recognises as the grader's controls, passes
    the mirror of every test it forges, and the grading is tampered. Each goes at the end
    of the block that holds its original, so a test that leaves state behind for the next
    one (a shared cache, a counter) is never followed by an extra run of it."""
    rng = random.Random(secrets.randbits(64))
    cheap = cheap_tests(durations)
    total = sum(durations.values())
    budget = max(MIRROR_BUDGET_FLOOR_S, MIRROR_BUDGET_SHARE * total) if durations else 1e9
    known = set(test_ids)
    taken = {test_id.split("::")[-1] for test_id in known}
    modules = sorted({p for pattern in NODE_TEST_FILES for p in hidden_copy.rglob(pattern)})
    planted: list[Tripwire] = []
    for module in rng.sample(modules, len(modules)):
        relative = module.relative_to(hidden_copy.parent).as_posix()
        source = module.read_text(encoding="utf-8")
        lines, bindings = source.split("\n"), _assert_bindings(source)
        copies: list[tuple[int, list[str]]] = []
        for test in rng.sample(_tests(lines), len(_tests(lines))):
            test_id = "::".join([relative, *test.suites, test.name])
            cost = durations.get(test_id, 0.0)
            if len(planted) >= MAX_NODE_MIRRORS or cost > budget or not cheap(test_id):
                continue
            # The layout was read right only if the runner knows this ID (a describe with
            # options, say, is not seen as one): a mirror with a wrong ID would guard nothing.
            if known and test_id not in known:
                continue
            body = _changed_body(lines[test.start + 1 : test.end], bindings, rng)
            if body is None:
                continue
            name = _fresh_name(rng, taken)
            head = lines[test.start].replace(test.quoted, repr(name), 1)
            copies.append((_insertion_line(lines, test), ["", head, *body, lines[test.end]]))
            planted.append(Tripwire("::".join([relative, *test.suites, name]), "not-passed"))
            budget -= cost
        for at, copy in sorted(copies, key=lambda c: c[0], reverse=True):
            lines[at:at] = copy  # from the bottom up, so the lines above keep their numbers
        if copies:
            module.write_text("\n".join(lines), encoding="utf-8")
    return planted


def _fresh_name(rng: random.Random, taken: set[str]) -> str:
    name = control_name(rng, set())[len("test_") :].replace("_", " ")
    while name in taken:
        name += " again"
    taken.add(name)
    return name


def _insertion_line(lines: list[str], test: _Test) -> int:
    """Before the line that closes the test's block; for a top-level test, after the last
    line that is not blank."""
    if test.block_end < len(lines):
        return test.block_end
    at = len(lines)
    while at > 0 and not lines[at - 1].strip():
        at -= 1
    return at


def _assert_bindings(source: str) -> set[str]:
    """The names the file gives its assertion modules."""
    found: set[str] = set()
    for line in source.splitlines():
        if ASSERT_MODULE.search(line):
            found.update(n for pair in ASSERT_BINDING.findall(line) for n in pair if n)
    return found


def _closing(lines: list[str], start: int, indent: str) -> int | None:
    """The index of the `});` that closes the block opened on line ``start``."""
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if line.strip() and not line.startswith((indent + " ", indent + "\t")):
            return index if line == f"{indent}}});" else None
    return None


def _tests(lines: list[str]) -> list[_Test]:
    """The file's it()/test() blocks at the top level or directly in describe blocks (not
    subtests of another test), as far as its layout shows them."""
    found: list[_Test] = []
    suites: list[tuple[str, str, int]] = []  # (indent, name, end line) of open describes
    for index, line in enumerate(lines):
        while suites and index > suites[-1][2]:
            suites.pop()
        opened = BLOCK.match(line)
        end = None if opened is None else _closing(lines, index, opened["indent"])
        if opened is None or end is None:
            continue
        if opened["kind"] in ("describe", "suite"):
            suites.append((opened["indent"], opened["name"], end))
        elif not suites or len(opened["indent"]) > len(suites[-1][0]):
            quoted = f"{opened['q']}{opened['name']}{opened['q']}"
            block_end = suites[-1][2] if suites else len(lines)
            names = tuple(s[1] for s in suites)
            found.append(_Test(index, end, names, block_end, opened["name"], quoted))
    return found


def _changed_body(body: list[str], bindings: set[str], rng: random.Random) -> list[str] | None:
    """The body with its first statement-level assertion on a literal expecting another
    value, or None. Statement level (the body's own indentation) means it runs whenever
    the test gets that far: not in a loop, a branch or a callback. A test that may stop
    before it (a return, a skip) is not mirrored: its mirror could pass honestly, and an
    honest submission would be graded tampered."""
    indent = next((line[: len(line) - len(line.lstrip())] for line in body if line.strip()), "")
    for index, line in enumerate(body):
        if ESCAPE.search(line):
            return None
        found = EXPECTATION.match(line)
        if found is None or found["indent"] != indent or found["binding"] not in bindings:
            continue
        if not _balanced(found["actual"]):
            continue
        changed = _changed_literal(found["expected"], rng)
        line = line[: found.start("expected")] + changed + line[found.end("expected") :]
        return [*body[:index], line, *body[index + 1 :]]
    return None


def _balanced(expression: str) -> bool:
    """Brackets balanced and no comma outside them or a string: a single argument."""
    depth, quote = 0, ""
    for char in expression:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"`":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth < 0:
                return False
        elif char == "," and depth == 0:
            return False
    return depth == 0 and not quote


def _changed_literal(literal: str, rng: random.Random) -> str:
    """A value no submission produces by chance: a number moved far, a string extended."""
    if literal[0] in "'\"":
        token = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=6))
        return literal[:-1] + token + literal[-1]
    moved = rng.choice((1, -1)) * rng.randint(10_007, 99_991)
    return str(int(literal) + moved) if "." not in literal else str(float(literal) + moved)


def suite_files(hidden_dir: Path) -> tuple[str, ...]:
    """Node's runner is given each hidden test file (Node 18 does not search folders);
    without explicit paths it would also run the candidate's own test files."""
    files = sorted(
        p.relative_to(hidden_dir.parent).as_posix()
        for p in hidden_dir.rglob("*")
        if p.is_file() and p.name.endswith((".test.js", ".test.mjs", ".test.cjs"))
    )
    return tuple(files)


def plant(
    hidden_copy: Path, test_ids: Sequence[str], durations: Mapping[str, float]
) -> list[Tripwire]:
    return plant_node(hidden_copy, test_ids) + plant_mirrors(hidden_copy, test_ids, durations)


SUPPORT = LanguageSupport(
    language=Language.NODE,
    isolations=(Isolation.SHARED,),
    base=Base(offline=True),
    run_command="node",
    collect_command=None,
    suite_args=suite_files,
    plant=plant,
)
