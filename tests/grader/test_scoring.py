from grader.challenge import load_challenge
from grader.results import TestOutcome
from grader.scoring import overall, skill_scores
from tests.conftest import WORD_FREQUENCY

BASIC = "hidden/test_basic.py::test_{}"
PERF = "hidden/test_perf.py::test_{}"


def test_skill_score_is_the_share_of_passed_tests() -> None:
    challenge = load_challenge(WORD_FREQUENCY)
    tests = [TestOutcome(BASIC.format(i), "passed") for i in range(3)]
    tests += [
        TestOutcome(BASIC.format("x"), "skipped"),
        TestOutcome(PERF.format("a"), "timeout"),
        TestOutcome(PERF.format("b"), "passed"),
    ]
    scores = skill_scores(challenge, tests)
    assert (scores["programming"].passed, scores["programming"].total) == (3, 4)
    assert scores["programming"].score == 75.0
    assert scores["performance"].score == 50.0


def test_tampered_scores_zero_on_every_test_skill() -> None:
    challenge = load_challenge(WORD_FREQUENCY)
    scores = skill_scores(challenge, [TestOutcome(BASIC.format(1), "passed")], tampered=True)
    assert {s.score for s in scores.values()} == {0.0}


def test_overall_is_the_weighted_mean() -> None:
    assert overall([(100.0, 2), (50.0, 1), (70.0, 1)]) == 80.0
    assert overall([(100.0, 1), (0.0, 0)]) == 100.0  # weight 0 leaves a skill out
    assert overall([]) == 0.0
