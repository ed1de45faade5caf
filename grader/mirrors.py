"""Mirror tripwires: copies of real hidden tests whose expected value is changed.

A mirror calls the candidate's code exactly as its original does, so a forger
who flips only the failures of tests that use their code flips the mirror too,
and the grading is ``tampered``. The changed value must fail for every honest
submission, right or wrong, so it is one a buggy submission would not produce
by chance: an integer moved by a large random amount, a string with a random
suffix, a collection with an extra unique element. Booleans and None are never
mirrored (a wrong submission flips them often). Only plain module-level test
functions are mirrored: no decorators (parametrize, marks), no classes.

A mirror runs its original's code again, so the caller may restrict mirrors to
cheap tests (``eligible``): mirroring a slow performance test would double its
cost in every grading.
"""

from __future__ import annotations

import ast
import random
import string
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Mirror:
    name: str
    source: str
    at_line: int  # insert before this line (1-based; one past the end appends)


def _changed(node: ast.expr, rng: random.Random) -> ast.expr | None:
    """The literal with a value no submission produces by chance, or None if not mirrorable."""
    token = "".join(rng.choices(string.ascii_lowercase, k=6))
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, int):
            return ast.Constant(value + rng.choice((1, -1)) * rng.randint(10_007, 99_991))
        if isinstance(value, str):
            return ast.Constant(value + token)
        return None
    if isinstance(node, ast.List | ast.Tuple):
        return type(node)(elts=[*node.elts, ast.Constant(token)], ctx=ast.Load())
    if isinstance(node, ast.Set):
        return ast.Set(elts=[*node.elts, ast.Constant(token)])
    if isinstance(node, ast.Dict):
        return ast.Dict(
            keys=[*node.keys, ast.Constant(token)], values=[*node.values, ast.Constant(1)]
        )
    return None


def _mutate(function: ast.FunctionDef, rng: random.Random) -> bool:
    """Change the first `assert X == <literal>` (either side) of a test; True if one was."""
    for statement in function.body:
        test = statement.test if isinstance(statement, ast.Assert) else None
        if not (
            isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)
        ):
            continue
        right = _changed(test.comparators[0], rng)
        if right is not None:
            test.comparators[0] = right
            return True
        left = _changed(test.left, rng)
        if left is not None:
            test.left = left
            return True
    return False


def mirrors(
    source: str,
    name_for: Callable[[], str],
    rng: random.Random,
    limit: int = 1,
    eligible: Callable[[str], bool] = lambda _name: True,
) -> list[Mirror]:
    """Up to ``limit`` mirrors of this module's plain test functions that are ``eligible``.

    A mirror is named like any other test (``name_for``) and stands just before or
    just after its original, at random, so a pair does not tell which is the copy.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    candidates = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and node.name.startswith("test")
        and not node.decorator_list
        and node.end_lineno is not None
        and eligible(node.name)
    ]
    rng.shuffle(candidates)
    found: list[Mirror] = []
    for original in candidates:
        copy = ast.parse(ast.unparse(original)).body[0]
        assert isinstance(copy, ast.FunctionDef)
        if not _mutate(copy, rng):
            continue
        copy.name = name_for()
        before = rng.random() < 0.5
        at_line = original.lineno if before else (original.end_lineno or 0) + 1
        found.append(Mirror(copy.name, ast.unparse(copy), at_line))
        if len(found) == limit:
            break
    return found


def insert(source: str, found: list[Mirror]) -> str:
    """The module with each mirror at its place (latest first, so line numbers hold)."""
    lines = source.splitlines()
    for mirror in sorted(found, key=lambda m: m.at_line, reverse=True):
        index = mirror.at_line - 1
        lines[index:index] = [*mirror.source.splitlines(), "", ""]
    return "\n".join(lines) + "\n"
