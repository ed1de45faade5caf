"""Red-team attacks on Node's mirrors (rate-limiter-js graded ``shared``), each for real.

The mirrors guard Node challenges graded ``shared`` (the default); under process
isolation these forgers gain nothing (test_attacks_node_isolation.py).

Mirrors are copies of cheap real tests, one of whose statement-level assertions on a
literal (number, string, object, array) expects another value (grader/node_mirrors.py),
named with words of the file's own test names and placed at the end of their original's
block. The red team's first round met mirrors that changed only the first number or
string and were named with the control vocabulary; three of its four attacks beat them
then, and are tampered now. Each attack here is the
rate-limiter-js starter, its logic unchanged (every method throws), plus an adaptive
forger in ``submissions/node-<name>/src/forge.js`` that knows the grader's source and
tries to forge passes while every control test and mirror keeps its honest outcome. An
attack the grader stops asserts its verdict; one that beats it is an xfail (strict) whose
docstring gives the measured score.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.attacks.helpers import GraderEnv, Outcome, check_shared_forgery_fails, describe
from tests.attacks.test_attacks_node import NODE, load_forge

pytestmark = pytest.mark.docker

GradeIn = Callable[[str, str | None, Callable[[Path], None] | None], Outcome]


def _grade(grade_shared_in: GradeIn, attack: str) -> Outcome:
    outcome = grade_shared_in(NODE, attack, load_forge)
    print(describe(outcome))  # the measured score, shown with -s or on failure
    return outcome


def test_node_forger_sparing_named_controls(
    shared_catalogue_env: Callable[[str], GraderEnv], grade_shared_in: GradeIn
) -> None:
    """Every assertion function finds the hidden test calling it (stack trace, then the
    file's source) and asserts honestly only when that test is named with the control
    vocabulary (WORDS/OBJECTS, "keeps empty input 3"), as every control and mirror is.
    Measured while mirrors had those names: graded (not tampered), overall 86.3, 18 of 20
    real tests passed. Mirrors are now named with the file's own words: tampered."""
    outcome = _grade(grade_shared_in, "node-assert-spares-named-tests")
    check_shared_forgery_fails(shared_catalogue_env(NODE), outcome)
    assert outcome.report.status == "tampered", describe(outcome)


def test_node_forger_honest_on_literals(
    shared_catalogue_env: Callable[[str], GraderEnv], grade_shared_in: GradeIn
) -> None:
    """Reads nothing: every equality assertion is honest when it expects a number or a
    string (what mirrors and controls compare) and a no-op otherwise, so the tests that
    expect only booleans, objects or throws, which are never mirrored, pass. Measured:
    graded (not tampered), overall 34.3, 6 of 20 real tests passed (all four of
    "RateLimiter API", two of "RateLimiter isolation"), while only numbers and strings
    were mirrored. Object and array literals are now mirrored too (one more key or
    element), and any of a test's candidate assertions may be the changed one: tampered."""
    outcome = _grade(grade_shared_in, "node-assert-honest-on-literals")
    check_shared_forgery_fails(shared_catalogue_env(NODE), outcome)
    assert outcome.report.status == "tampered", describe(outcome)


def test_node_forger_rewriting_the_childs_stdout(
    shared_catalogue_env: Callable[[str], GraderEnv], grade_shared_in: GradeIn
) -> None:
    """Below the assertions: the child's stdout carries its results to `node --test`
    (V8-serialized events); the submission wraps process.stdout.write and turns every
    `test:fail` into `test:pass` unless the test is named with the control vocabulary.
    Measured while mirrors were named with that vocabulary: graded (not tampered), overall
    94.3, all 20 real tests passed; no assertion touched, the starter unchanged. Now the
    mirrors' failures are flipped too: tampered. The channel stays open to a forger that
    recognises mirrors another way (test_node_forger_sparing_near_duplicates)."""
    outcome = _grade(grade_shared_in, "node-stdout-flips-failures")
    check_shared_forgery_fails(shared_catalogue_env(NODE), outcome)
    assert outcome.report.status == "tampered", describe(outcome)


@pytest.mark.xfail(
    strict=True,
    reason="in shared mode a mirror is an earlier test's body with one line changed, "
    "readable in the file; process isolation closes it (test_attacks_node_isolation.py)",
)
def test_node_forger_sparing_near_duplicates(
    shared_catalogue_env: Callable[[str], GraderEnv], grade_shared_in: GradeIn
) -> None:
    """Ignores names: every assertion function finds the hidden test calling it and
    asserts honestly only when that test's body is one line away from an earlier test's
    (a mirror) or it is opened by a function other than it/test (a control's testCaseN).
    Measured: graded (not tampered), overall 86.3, 18 of 20 real tests passed, every
    control and mirror as expected: naming mirrors like their neighbours would not help."""
    outcome = _grade(grade_shared_in, "node-assert-spares-duplicates")
    check_shared_forgery_fails(shared_catalogue_env(NODE), outcome)
