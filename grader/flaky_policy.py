"""The ``[flaky]`` table of challenge.toml: which failed tests are rerun, how often, by which rule.

Parsed with the manifest (grader/challenge.py), every problem reported at once;
grader/flaky.py applies it to a grading. Absent, the policy is the default:
two reruns of the failed timing tests (a skill named ``performance``),
decided by the majority of runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

MAX_RERUNS = 4
DEFAULT_RERUNS = 2
KNOWN_KEYS = frozenset({"reruns", "tests", "rule"})


class Rule(StrEnum):
    """How a rerun test's runs decide its outcome."""

    MAJORITY = "majority"
    FIRST_PASS = "first-pass"


@dataclass(frozen=True)
class FlakyPolicy:
    """The ``[flaky]`` table: how many reruns, of which tests (ID globs; empty: the timing
    tests), decided by which rule."""

    reruns: int = DEFAULT_RERUNS
    tests: tuple[str, ...] = ()
    rule: Rule = Rule.MAJORITY


def parse_policy(table: Any, manifest: str, problems: list[str]) -> FlakyPolicy:
    """The policy of a ``[flaky]`` table, appending every problem (the defaults when absent)."""
    if not isinstance(table, dict):
        problems.append(f"{manifest}: [flaky] must be a table")
        return FlakyPolicy()
    for key in sorted(set(table) - KNOWN_KEYS):
        problems.append(
            f"{manifest}: flaky.{key}: unknown field (known: {', '.join(sorted(KNOWN_KEYS))})"
        )
    reruns = table.get("reruns", DEFAULT_RERUNS)
    if isinstance(reruns, bool) or not isinstance(reruns, int) or not 0 <= reruns <= MAX_RERUNS:
        problems.append(f"{manifest}: flaky.reruns: must be a whole number from 0 to {MAX_RERUNS}")
        reruns = DEFAULT_RERUNS
    tests = table.get("tests", [])
    if not isinstance(tests, list) or not all(isinstance(t, str) and t for t in tests):
        problems.append(f"{manifest}: flaky.tests: must be a list of test ID globs")
        tests = []
    rule = table.get("rule", Rule.MAJORITY.value)
    if rule not in {r.value for r in Rule}:
        problems.append(
            f"{manifest}: flaky.rule: {rule!r} is not a rule "
            f"(known: {', '.join(r.value for r in Rule)})"
        )
        rule = Rule.MAJORITY.value
    return FlakyPolicy(reruns=reruns, tests=tuple(tests), rule=Rule(rule))
