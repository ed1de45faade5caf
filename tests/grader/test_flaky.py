"""grader/flaky.py and grader/flaky_policy.py: which failed tests are rerun, and how
their runs decide, with canned suite results (no sandbox)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from grader import flaky
from grader.config import Settings
from grader.fetch import FetchPolicy
from grader.flaky_policy import FlakyPolicy, Rule, parse_policy
from grader.pipeline import grade
from grader.prepare import PreparedChallenge
from grader.report import Outcome, Status
from grader.results import SuiteResult, TestOutcome
from tests.conftest import WORD_FREQUENCY, make_repo

P, F, E = Outcome.PASSED, Outcome.FAILED, Outcome.ERROR
PERF = "hidden/test_perf.py::test_fast"
BASIC = "hidden/test_basic.py::test_counts"
IDS = [PERF, BASIC]


def skill_of(test_id: str) -> str:
    return "performance" if "perf" in test_id else "programming"


def suite(**outcomes: Outcome) -> SuiteResult:
    names = {"perf": PERF, "basic": BASIC}
    return SuiteResult(
        tests=[TestOutcome(names[k], v, 0.1, f"{k} {v}") for k, v in outcomes.items()]
    )


class Reruns:
    """Hands out the canned results of successive reruns, counting them."""

    def __init__(self, *results: SuiteResult) -> None:
        self.results = list(results)
        self.count = 0

    def __call__(self) -> SuiteResult:
        self.count += 1
        return self.results.pop(0)


DEFAULT = FlakyPolicy()


def settle(first: SuiteResult, reruns: Reruns, policy: FlakyPolicy = DEFAULT) -> SuiteResult:
    return flaky.settle(first, flaky.scope(policy, skill_of, IDS), reruns)


def by_id(result: SuiteResult) -> dict[str, TestOutcome]:
    return {t.id: t for t in result.tests}


def test_a_timing_test_that_passes_on_both_reruns_is_passed_and_flaky() -> None:
    reruns = Reruns(suite(perf=P, basic=F), suite(perf=P, basic=F))
    result = by_id(settle(suite(perf=F, basic=F), reruns))
    assert reruns.count == 2
    assert result[PERF].outcome == P and result[PERF].flaky
    assert result[PERF].runs == (F, P, P)
    assert result[PERF].message.startswith("flaky: failed 1 of 3 runs")
    # Not a timing test, not declared: never rerun, its outcome stands as it was.
    assert result[BASIC].outcome == F and result[BASIC].runs == () and not result[BASIC].flaky


def test_a_consistent_failure_costs_one_rerun_and_stays_failed() -> None:
    reruns = Reruns(suite(perf=F, basic=P))
    result = by_id(settle(suite(perf=F, basic=P), reruns))
    assert reruns.count == 1  # two failures of three possible runs: decided
    assert result[PERF].outcome == F and not result[PERF].flaky and result[PERF].runs == (F, F)
    assert result[PERF].message == "perf failed"


def test_one_pass_in_three_runs_is_a_flaky_failure_under_the_majority() -> None:
    reruns = Reruns(suite(perf=P, basic=P), suite(perf=F, basic=P))
    result = by_id(settle(suite(perf=F, basic=P), reruns))
    assert result[PERF].outcome == F and result[PERF].flaky and result[PERF].runs == (F, P, F)


def test_first_pass_stops_at_the_first_pass() -> None:
    reruns = Reruns(suite(perf=P, basic=P), suite(perf=P, basic=P))
    result = settle(suite(perf=F, basic=P), reruns, FlakyPolicy(rule=Rule.FIRST_PASS))
    assert reruns.count == 1 and by_id(result)[PERF].outcome == P


def test_nothing_failed_nothing_rerun() -> None:
    reruns = Reruns()
    first = suite(perf=P, basic=F)
    assert settle(first, reruns) is first and reruns.count == 0


def test_declared_globs_replace_the_timing_default() -> None:
    policy = FlakyPolicy(tests=("hidden/test_basic.py::*",))
    reruns = Reruns(suite(perf=F, basic=P), suite(perf=F, basic=P))
    result = by_id(settle(suite(perf=F, basic=F), reruns, policy))
    assert result[BASIC].outcome == P and result[BASIC].runs == (F, P, P)
    assert result[PERF].runs == ()  # the timing test is not covered any more


def test_no_reruns_when_the_bound_is_zero_or_the_run_timed_out_or_was_tampered() -> None:
    first = suite(perf=F, basic=P)
    reruns = Reruns()
    assert settle(first, reruns, FlakyPolicy(reruns=0)) is first
    scope = flaky.scope(FlakyPolicy(), skill_of, IDS)
    assert flaky.settle(first, scope, reruns, repeatable=False) is first
    tampered = SuiteResult(tests=first.tests, tampered=True, tamper_reasons=["a tripwire"])
    assert flaky.settle(tampered, scope, reruns) is tampered
    assert reruns.count == 0


def test_a_tampered_rerun_makes_the_whole_grading_tampered() -> None:
    caught = SuiteResult(tests=[], tampered=True, tamper_reasons=["a control test passed"])
    result = settle(suite(perf=F, basic=P), Reruns(caught))
    assert result.tampered
    assert result.tamper_reasons == ["in a rerun: a control test passed"]


def test_a_rerun_that_cannot_run_changes_nothing_and_says_so() -> None:
    broken = SuiteResult(tests=[], error="the sandbox could not run the suite: gone")
    result = settle(suite(perf=F, basic=P), Reruns(broken))
    assert by_id(result)[PERF].outcome == F and by_id(result)[PERF].runs == ()
    assert any("could not run" in note for note in result.notes)


def test_a_tie_goes_to_passed_for_a_timing_test_only() -> None:
    policy = FlakyPolicy(reruns=1, tests=("hidden/*",))
    reruns = Reruns(suite(perf=P, basic=P))
    result = by_id(settle(suite(perf=F, basic=F), reruns, policy))
    assert result[PERF].outcome == P and result[PERF].runs == (F, P)
    assert result[BASIC].outcome == F and result[BASIC].runs == (F, P)  # keeps its first outcome


def test_a_test_missing_from_a_rerun_counts_as_an_error_run() -> None:
    reruns = Reruns(SuiteResult(tests=[TestOutcome(BASIC, P)]))
    result = by_id(settle(suite(perf=F, basic=P), reruns))
    assert result[PERF].runs == (F, E) and result[PERF].outcome == F


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ({"reruns": 9}, "flaky.reruns: must be a whole number from 0 to 4"),
        ({"reruns": True}, "flaky.reruns"),
        ({"rule": "best-of"}, "flaky.rule: 'best-of' is not a rule (known: majority, first-pass)"),
        ({"tests": "hidden/*"}, "flaky.tests: must be a list of test ID globs"),
        ({"retries": 2}, "flaky.retries: unknown field"),
        ([], "[flaky] must be a table"),
    ],
)
def test_a_malformed_table_is_reported(table: object, problem: str) -> None:
    problems: list[str] = []
    assert parse_policy(table, "challenge.toml", problems) == FlakyPolicy()
    assert any(problem in p for p in problems), problems


def test_a_sound_table_is_read() -> None:
    problems: list[str] = []
    table = {"reruns": 3, "tests": ["hidden/*"], "rule": "first-pass"}
    assert parse_policy(table, "challenge.toml", problems) == FlakyPolicy(
        3, ("hidden/*",), Rule.FIRST_PASS
    )
    assert problems == []


# -- a real grading: the reruns are real sandbox runs ---------------------------------
SLOW_ON_LARGE_TEXT = """
import time

SOLUTION = open(__file__.replace("wordfreq.py", "reference.py")).read()
exec(compile(SOLUTION, "reference.py", "exec"))
_top_words = top_words


def top_words(text, n):
    if text.count(" ") > 250_000:  # only the first timing test's text
        time.sleep(6)
    return _top_words(text, n)
"""


@pytest.mark.docker
def test_a_consistently_slow_submission_fails_after_one_real_rerun(
    tmp_path: Path,
    settings: Settings,
    prepared_word_frequency: PreparedChallenge,
    docker_services: Any,
) -> None:
    files = {
        "wordfreq.py": SLOW_ON_LARGE_TEXT,
        "reference.py": (WORD_FREQUENCY / "solution" / "wordfreq.py").read_text(),
    }
    repo = make_repo(tmp_path / "repo", [("Solve, slowly", files)], base=WORD_FREQUENCY / "starter")
    report = grade(
        prepared_word_frequency,
        str(repo),
        None,
        settings=settings,
        sandbox=docker_services[1],
        policy=FetchPolicy(allow_local=True),
    ).report
    assert report.status == Status.GRADED, report.notes
    slow = next(
        t for t in report.tests if t.id.endswith("test_large_text_is_counted_in_linear_time")
    )
    assert slow.outcome == Outcome.FAILED and slow.runs == ["failed", "failed"] and not slow.flaky
    assert all(t.runs is None for t in report.tests if t.id != slow.id)
    assert report.timings["reruns"] > 0
    assert report.skills["programming"].score == 100
