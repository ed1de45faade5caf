"""Flake-aware grading: a failed test the challenge lets rerun is run again, up to a bound.

The same code must get the same score. A timing test that passes at 1.09 s and
fails at 1.32 s on a loaded machine is not evidence about the candidate, so a
failed test covered by the challenge's ``[flaky]`` table (by default: the tests
of a skill named ``performance``) is run again, and its outcome is decided by
the challenge's rule over every run:

- ``majority`` (the default): passed when most runs passed; a tie (a rerun
  that could not run leaves an even count) goes to passed for timing tests (a
  skill named ``performance``) and to the first outcome otherwise;
- ``first-pass``: passed as soon as one run passed (pytest-rerunfailures'
  meaning).

A test whose outcome changed between runs is reported ``flaky`` with every run's
outcome. Reruns stop as soon as the rule has decided, so a consistently failing
test costs one rerun under ``majority`` with the default bound of two.

What this module guarantees, whatever a rerun does:

- a rerun is a whole new sandbox run with fresh control tests, checked exactly
  as the first (the caller's ``run_again``); a rerun caught tampering makes the
  whole grading tampered, whatever the first run said;
- a rerun that could not run at all (our infrastructure, or the suite cannot
  start) changes no outcome: the runs so far decide, with a note saying so;
- only tests that failed in the first run and that the policy covers are
  rerun; a passed test is never run again, and a whole run that hit its time
  limit is not repeated (it would cost the limit again for nothing).
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from grader.flaky_policy import FlakyPolicy, Rule
from grader.report import Outcome
from grader.results import SuiteResult, TestOutcome

TIMING_SKILL = "performance"
FAILING = frozenset({Outcome.FAILED, Outcome.ERROR, Outcome.TIMEOUT})


@dataclass(frozen=True)
class Scope:
    """Which tests a grading may rerun, and which of them are timing tests."""

    policy: FlakyPolicy
    timing: frozenset[str]  # the IDs of the tests of the performance skill
    covers_all_timing: bool  # no globs declared: the timing tests are the ones rerun

    def covers(self, test_id: str) -> bool:
        if self.covers_all_timing:
            return test_id in self.timing
        return any(test_id == g or fnmatch.fnmatchcase(test_id, g) for g in self.policy.tests)


def scope(policy: FlakyPolicy, skill_of: Callable[[str], str | None], ids: Iterable[str]) -> Scope:
    timing = frozenset(i for i in ids if skill_of(i) == TIMING_SKILL)
    return Scope(policy, timing, covers_all_timing=not policy.tests)


def settled(runs: list[Outcome], policy: FlakyPolicy) -> bool:
    """Whether more runs could no longer change the outcome (``runs``: the first run's
    failing outcome first, then each rerun's)."""
    passes = sum(r == Outcome.PASSED for r in runs)
    if policy.rule == Rule.FIRST_PASS:
        return passes > 0 or len(runs) > policy.reruns
    needed = (policy.reruns + 1) // 2 + 1  # a majority of every run the bound allows
    return passes >= needed or len(runs) - passes >= needed or len(runs) > policy.reruns


def final(runs: list[Outcome], policy: FlakyPolicy, timing: bool) -> Outcome:
    """The outcome the runs decide under the policy's rule."""
    passes = sum(r == Outcome.PASSED for r in runs)
    fails = len(runs) - passes
    if policy.rule == Rule.FIRST_PASS or passes > fails:
        return Outcome.PASSED if passes else runs[0]
    if fails > passes:
        return runs[0]
    # A tie: only when a rerun could not run. A timing test's failure is the machine's
    # as likely as the code's; any other test keeps its first outcome.
    return Outcome.PASSED if timing else runs[0]


def settle(
    first: SuiteResult,
    scope: Scope,
    run_again: Callable[[], SuiteResult],
    *,
    repeatable: bool = True,
) -> SuiteResult:
    """``first`` with its covered failed tests rerun (``run_again``: a whole new checked run)
    until the rule decides or the bound is reached. ``repeatable`` is False when the first
    run as a whole hit its time limit: a rerun would cost the limit again."""
    if first.tampered or first.error or not repeatable or scope.policy.reruns == 0:
        return first
    runs = {t.id: [t.outcome] for t in first.tests if t.outcome in FAILING and scope.covers(t.id)}
    if not runs:
        return first
    notes: list[str] = []
    while pending := [i for i, r in runs.items() if not settled(r, scope.policy)]:
        again = run_again()
        if again.tampered:
            reasons = [f"in a rerun: {reason}" for reason in again.tamper_reasons]
            return dataclasses.replace(
                first, tampered=True, tamper_reasons=first.tamper_reasons + reasons
            )
        if again.error:
            notes.append(
                f"a rerun of the failed tests could not run ({again.error}): "
                "the runs so far decide their outcomes"
            )
            break
        outcomes = {t.id: t.outcome for t in again.tests}
        for test_id in pending:
            runs[test_id].append(outcomes.get(test_id, Outcome.ERROR))
    tests = [_settled_test(t, runs.get(t.id), scope) for t in first.tests]
    return dataclasses.replace(first, tests=tests, notes=first.notes + notes)


def _settled_test(test: TestOutcome, runs: list[Outcome] | None, scope: Scope) -> TestOutcome:
    if runs is None or len(runs) == 1:
        return test
    outcome = final(runs, scope.policy, test.id in scope.timing)
    flaky = len({r == Outcome.PASSED for r in runs}) > 1
    message = test.message
    if flaky:
        failed = sum(r != Outcome.PASSED for r in runs)
        message = f"flaky: failed {failed} of {len(runs)} runs; the first failure: {test.message}"
    return dataclasses.replace(
        test, outcome=outcome, message=message, runs=tuple(runs), flaky=flaky
    )
