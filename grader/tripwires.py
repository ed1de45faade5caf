"""Tripwires: tests with unpredictable names whose correct outcome is known.

Where the candidate's code runs in the same process as the hidden tests
(isolation ``shared``), it can patch the test runner; where it runs apart
(``process``), tripwires are the second line behind that wall. A patch that
turns failures into passes (or forges the results file) also turns a must-fail
tripwire into a pass, and the grading is then ``tampered``. Tripwires are
added to the hidden test modules themselves, with names in the style of their
neighbours, so that a patch aimed only at the modules that import the
candidate's code still meets them.

This raises the cost of forgery; it cannot make it impossible for code that
reads every test's source at run time. The sandbox's other checks (expected
test IDs, exit status against results) close the cheaper routes.

This module holds what every language shares (the record, the names, scrubbing
them from the output); each language plants its own control tests
(``grader.languages.<language>``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

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


def camel_name(rng: random.Random, taken: set[str]) -> str:
    """A control test's name in the style of JUnit methods (``keepsEmptyInput``): a name
    unlike its neighbours' would let a forger spare the control tests by their names."""
    while True:
        name = rng.choice(WORDS) + "".join(w.capitalize() for w in rng.choice(OBJECTS).split("_"))
        if rng.random() < 0.5:
            name += str(rng.randint(2, 9))
        if name not in taken:
            taken.add(name)
            return name


MAX_MIRRORS = 3
# A mirror may cost at most this share of the suite's time under the reference solution
# (and at least MIRROR_FLOOR_S is always allowed): a handful of milliseconds for most
# tests, while a slow performance test, mirrored, would double its cost in every grading.
MIRROR_SHARE = 0.02
MIRROR_FLOOR_S = 0.02


def cheap_tests(durations: Mapping[str, float]) -> Callable[[str], bool]:
    """Which test IDs may be mirrored: all when their times are unknown."""
    if not durations:
        return lambda _test_id: True
    limit = max(MIRROR_FLOOR_S, MIRROR_SHARE * sum(durations.values()))
    return lambda test_id: durations.get(test_id, float("inf")) <= limit


def control_name(rng: random.Random, taken: set[str]) -> str:
    while True:
        name = f"test_{rng.choice(WORDS)}_{rng.choice(OBJECTS)}"
        if rng.random() < 0.5:
            name += f"_{rng.randint(2, 9)}"
        if name not in taken:
            taken.add(name)
            return name


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
