"""Node's mirrors: copies of real hidden tests whose expected value is changed.

A Node challenge graded ``shared`` (the default) runs its tests in the submission's
process, so there its mirrors are the main second line (with ``isolation = "process"``
they only back the isolation up): every cheap ``it()``/``test()`` with a statement-level
equality assertion on a literal is copied (up to ``MAX_NODE_MIRRORS`` a grading, within a
share of the suite's time), expecting a value no honest submission produces. A forger
that turns failing assertions into passes, or silences them, and spares only what it
recognises as the grader's controls, passes the mirror of every test it forges, and the
grading is tampered.

What a mirror looks like, and why:

- Its expectation is one of the test's statement-level assertions, chosen at random (not
  always the first), on a number (moved by 10,007 or more), a string (6 more letters), an
  object literal (one more key) or an array literal (one more element). Booleans and
  ``undefined`` are never mirrored: a wrong submission flips them by chance, and its mirror
  would pass.
- Its name is made of words from the real tests' names in the same file, so a fixed
  vocabulary does not give it away.
- It goes at the end of the block that holds its original, so a test that leaves state
  behind for the next one (a shared cache, a counter) is never followed by an extra run.
- A test that may stop before its assertion (a ``return``, a skip) is not mirrored: its
  mirror could pass honestly. Nor is one whose ID the runner does not know (the layout
  was misread), since a mirror under a wrong ID guards nothing.

This is read from the files' layout with regular expressions, as Java's mirrors are: a
test written another way is simply not mirrored. What it cannot stop: code that reads the
test file's source in its process can find a mirror (the same body as another test, one
literal changed) and spare it (docs/sandbox.md).
"""

from __future__ import annotations

import itertools
import random
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from grader.tripwires import Tripwire, cheap_tests

# The assertion modules a test file loads (require or import).
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
# An equality assertion statement on one line: binding.method(actual, expected[, message]);
EXPECTATION = re.compile(
    r"""^(?P<indent>[ \t]*)(?P<binding>\w+)\.(?:strictEqual|equal|deepStrictEqual|deepEqual)\("""
    r"""(?P<actual>.+?), (?P<expected>-?\d+(?:\.\d+)?|'[^'\\]*'|"[^"\\]*"|\{.*\}|\[.*\])"""
    r"""(?P<message>, (?:'[^'\\]*'|"[^"\\]*"))?\);\s*$"""
)
# What may end a test before a later line of its body runs.
ESCAPE = re.compile(r"\breturn\b|\.(?:skip|todo)\(|\bprocess\.exit\b")
WORD = re.compile(r"[A-Za-z]+")

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
    hidden_copy: Path,
    modules: list[Path],
    test_ids: Iterable[str],
    durations: Mapping[str, float],
) -> list[Tripwire]:
    """Mirrors planted in the test files ``modules`` of ``hidden_copy``: each must not pass."""
    rng = random.Random(secrets.randbits(64))
    cheap = cheap_tests(durations)
    total = sum(durations.values())
    budget = max(MIRROR_BUDGET_FLOOR_S, MIRROR_BUDGET_SHARE * total) if durations else 1e9
    known = set(test_ids)
    taken = {test_id.split("::")[-1] for test_id in known}
    planted: list[Tripwire] = []
    for module in rng.sample(modules, len(modules)):
        relative = module.relative_to(hidden_copy.parent).as_posix()
        lines = module.read_text(encoding="utf-8").split("\n")
        bindings, tests = _assert_bindings(lines), _tests(lines)
        taken |= {test.name for test in tests}
        words = sorted({w for test in tests for w in WORD.findall(test.name)})
        copies: list[tuple[int, list[str]]] = []
        for test in rng.sample(tests, len(tests)):
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
            name = _name_like(test.name, words, rng, taken)
            head = lines[test.start].replace(test.quoted, f"'{name}'", 1)
            copies.append((_insertion_line(lines, test), ["", head, *body, lines[test.end]]))
            planted.append(Tripwire("::".join([relative, *test.suites, name]), "not-passed"))
            budget -= cost
        for at, copy in sorted(copies, key=lambda c: c[0], reverse=True):
            lines[at:at] = copy  # from the bottom up, so the lines above keep their numbers
        if copies:
            module.write_text("\n".join(lines), encoding="utf-8")
    return planted


def _name_like(original: str, words: list[str], rng: random.Random, taken: set[str]) -> str:
    """A name in the style of the file's tests: the original's, with about half its words
    replaced by words of the file's other test names, unlike any name taken (after a few
    tries, one word longer each time: a file with few words has few such names)."""
    pool = words or ["case"]
    for attempt in itertools.count():
        parts = original.split(" ") + [rng.choice(pool) for _ in range(attempt // 8)]
        for index, part in enumerate(parts):
            if WORD.fullmatch(part) and rng.random() < 0.5:
                parts[index] = rng.choice(pool)
        name = " ".join(parts)
        if name not in taken:
            taken.add(name)
            return name
    raise AssertionError("unreachable")


def _insertion_line(lines: list[str], test: _Test) -> int:
    """Before the line that closes the test's block; for a top-level test, after the last
    line that is not blank."""
    if test.block_end < len(lines):
        return test.block_end
    at = len(lines)
    while at > 0 and not lines[at - 1].strip():
        at -= 1
    return at


def _assert_bindings(lines: list[str]) -> set[str]:
    """The names the file gives its assertion modules."""
    found: set[str] = set()
    for line in lines:
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
    """The body with one of its statement-level assertions on a literal expecting another
    value, or None. Statement level (the body's own indentation) means it runs whenever
    the test gets that far: not in a loop, a branch or a callback. Only assertions before
    anything that may stop the test (a return, a skip) are candidates."""
    indent = next((line[: len(line) - len(line.lstrip())] for line in body if line.strip()), "")
    candidates: list[tuple[int, re.Match[str]]] = []
    for index, line in enumerate(body):
        if ESCAPE.search(line):
            break
        found = EXPECTATION.match(line)
        if found is None or found["indent"] != indent or found["binding"] not in bindings:
            continue
        if _one_argument(found["actual"]) and _one_argument(found["expected"]):
            candidates.append((index, found))
    if not candidates:
        return None
    index, found = rng.choice(candidates)
    line = body[index]
    changed = _changed_literal(found["expected"], rng)
    line = line[: found.start("expected")] + changed + line[found.end("expected") :]
    return [*body[:index], line, *body[index + 1 :]]


def _one_argument(expression: str) -> bool:
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
    """A value no submission produces by chance: a number moved far, a string extended, an
    object with one more key, an array with one more element."""
    token = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=6))
    if literal[0] in "'\"":
        return literal[:-1] + token + literal[-1]
    if literal[0] in "{[":
        inner = literal[1:-1].strip().rstrip(",")
        extra = f"{token}: 1" if literal[0] == "{" else f"'{token}'"
        return f"{literal[0]} {inner + ', ' if inner else ''}{extra} {literal[-1]}"
    moved = rng.choice((1, -1)) * rng.randint(10_007, 99_991)
    return str(int(literal) + moved) if "." not in literal else str(float(literal) + moved)
