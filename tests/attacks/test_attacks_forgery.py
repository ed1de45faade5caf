"""Red-team attacks that forge test results, each graded for real in a Docker sandbox.

Each attack is built and checked as test_attacks.py says.

The last section's attacks beat an earlier grader (README.md says how each is
stopped now); they keep the verdict the grader must give.
"""

from __future__ import annotations

from collections.abc import Callable

import docker
import pytest

from grader.engine import OWNER_LABEL, owner
from tests.attacks.helpers import (
    Grade,
    GraderEnv,
    Outcome,
    assert_host_clean,
    assert_in_time,
    check_forgery_fails,
    check_graded_nothing_passed,
    describe,
)

pytestmark = pytest.mark.docker


# ---------------------------------------------------------------------------
# Forgery of the test process. Isolated (the default for Python), the submission runs in a
# process of its own, where there is no pytest to patch: it forges nothing. In a shared
# grading the tripwires and the exit-status checks catch these (tests/grader/test_results.py).
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("attack", ["patch-runtest", "patch-makereport", "exit-at-import"])
def test_naive_forgery_forges_nothing(
    grader_env: GraderEnv, grade_attack: Grade, attack: str
) -> None:
    check_forgery_fails(grader_env, grade_attack(attack))


@pytest.mark.parametrize(
    "attack",
    [
        "forge-adaptive",  # finds the session, spares tripwires and mirrors, flips the rest
        "patch-runner-globals",  # replaces functions in the runner's modules, not classes
        "equal-to-anything",  # returns objects whose __eq__ says True to everything
        "frame-walk",  # reads the expected value from the calling test's frame
        "read-hidden-answers",  # parses the hidden tests' asserts into a lookup table
        "forge-wire",  # unasked replies, handles never handed out, malformed frames
        "runner-outcomes",  # raises pytest's Skipped, XFailed, Exit(0) (named by the wire)
    ],
)
def test_adaptive_forgers_score_what_the_starter_scores(
    grader_env: GraderEnv, grade_attack: Grade, attack: str
) -> None:
    """The forgers of the integrity issue: each ends graded with nothing passed (what the
    unchanged starter scores) or tampered; none can raise the grade."""
    outcome = grade_attack(attack)
    check_forgery_fails(grader_env, outcome)
    assert outcome.report.integrity["mode"] == "process", describe(outcome)


def test_the_audit_hooks_see_frame_walking_in_the_candidate_process(
    grader_env: GraderEnv, grade_attack: Grade
) -> None:
    """The second line in an isolated grading: the walk forges nothing, and the reviewer
    sees the line that did it (a suspicion, so the grading stays ``graded``)."""
    outcome = grade_attack("frame-walk")
    check_forgery_fails(grader_env, outcome)
    observed = outcome.report.integrity["observed"]
    assert any(
        n["signal"] == "walks the call stack" and n["file"] == "wordfreq.py" and n["line"] == 15
        for n in observed
    ), describe(outcome)
    assert not any(n["evidence"] for n in observed), observed


@pytest.mark.parametrize(
    "attack",
    [
        "patch-makereport",  # replaces TestReport.from_item_and_call and the makereport hook
        "patch-runtest",  # replaces how a test item runs
        "forge-adaptive",  # the integrity issue's forger, where it can find the session
        "patch-runner-globals",  # replaces functions in the runner's modules
    ],
)
def test_the_second_line_catches_runner_patches_in_a_shared_grading(
    shared_env: GraderEnv, grade_shared: Grade, attack: str
) -> None:
    """Without isolation the candidate's code runs beside pytest. The runner's snapshot and
    the tripwires still make these forgeries fail: tampered, or nothing forged."""
    outcome = grade_shared(attack)
    assert outcome.report.integrity["mode"] == "shared", describe(outcome)
    check_forgery_fails(shared_env, outcome)


def test_a_shared_grading_names_the_runner_object_that_was_replaced(
    shared_env: GraderEnv, grade_shared: Grade
) -> None:
    outcome = grade_shared("forge-adaptive")
    assert outcome.report.status == "tampered", describe(outcome)
    evidence = [n for n in outcome.report.integrity["observed"] if n["evidence"]]
    assert any("TestReport.from_item_and_call" in n["text"] for n in evidence), evidence


def test_a_reference_to_the_tests_own_objects_is_refused(
    grader_env: GraderEnv, grade_attack: Grade
) -> None:
    """Red team: name ``unittest.mock.ANY`` so that the tests' process decodes its own
    equal-to-anything object, and spare the control tests by the name pytest put in the
    environment. Scored 79.5 on the starter; only classes cross by name now."""
    outcome = grade_attack("reference-to-any")
    check_forgery_fails(grader_env, outcome)
    assert outcome.report.status == "graded", describe(outcome)


def test_a_climb_from_a_tests_generator_to_pytest_is_refused(
    pipeline_env: GraderEnv, grade_pipeline: Grade
) -> None:
    """Red team, on plugin-pipeline: from a callback inside a test's generator, walk its
    frames up to pytest's item and replace every other test's function (84.9 on the
    starter; with the same foothold, run a file of ours as the tests' uid). Scores what the
    unchanged starter scores now."""
    starter = grade_pipeline(None)
    outcome = grade_pipeline("frame-climb")
    assert_in_time(pipeline_env, outcome)
    assert_host_clean(pipeline_env)
    assert outcome.report.status == "graded", describe(outcome)
    assert set(outcome.passed()) <= set(starter.passed()), describe(outcome)
    for skill, result in outcome.report.skills.items():
        if skill != "version_control":  # the two repositories' histories differ
            assert result.score <= starter.report.skills[skill].score, describe(outcome)


@pytest.mark.parametrize(
    ("challenge", "attack"),
    [
        ("leaderboard-redis", "services-redis-abuse"),
        ("ledger-postgres", "services-postgres-abuse"),
    ],
)
def test_a_submission_can_neither_keep_nor_exhaust_its_services(
    grader_env: GraderEnv,
    catalogue_env: Callable[[str], GraderEnv],
    grade_in: Callable[[str, str | None], Outcome],
    challenge: str,
    attack: str,
) -> None:
    """It marks its database for the next grading, fills it, holds 20-30 connections with
    calls that never end, then fails every call saying what it found. Graded twice: both
    times nothing passes, in time, the marker is gone (fresh services), and no service
    container or network is left."""
    env = catalogue_env(challenge)
    for _ in range(2):
        outcome = grade_in(challenge, attack)
        assert outcome.report.status == "graded", describe(outcome)
        assert outcome.passed() == [], describe(outcome)
        assert_in_time(env, outcome)
        messages = " ".join(t.message for t in outcome.report.tests)
        assert "persisted: yes" not in messages and "never full" not in messages, messages[:3000]
        if challenge == "leaderboard-redis":  # Redis refuses writes when full and lives on
            assert "persisted: no; full after" in messages, messages[:3000]
        # A full PostgreSQL may stop altogether (its data is on tmpfs): the tests that need
        # it then error, which costs this grading only.
        assert set(outcome.report.sandbox.services) == {challenge.split("-")[-1]}
    # This process's own (a grading elsewhere on the same engine may be running).
    client = docker.from_env()
    ours = {"label": ["grader.purpose=service", f"{OWNER_LABEL}={owner()}"]}
    assert client.containers.list(all=True, filters=ours) == []
    ours = {"label": ["grader.purpose=services", f"{OWNER_LABEL}={owner()}"]}
    assert client.networks.list(filters=ours) == []


@pytest.mark.parametrize(
    "attack",
    [
        "java-exit-in-static-init",  # System.exit(0) when a test first touches Pricing
        "java-forge-results",  # "passed" records for five real IDs on the results channel
        "java-silence-listener",  # closes the listener's descriptor, forges all but controls
    ],
)
def test_java_forgeries_forge_nothing(
    catalogue_env: Callable[[str], GraderEnv],
    grade_in: Callable[[str, str | None], Outcome],
    attack: str,
) -> None:
    """Java is graded ``shared``: the candidate's classes load in the JVM that reports.
    An early exit with status 0 and forged records both end tampered (a must-fail control
    test passed or never ran while the JVM said success; the real results arrive as
    duplicates), or forge nothing."""
    env = catalogue_env("pricing-java")
    outcome = grade_in("pricing-java", attack)
    assert_in_time(env, outcome)
    assert_host_clean(env)
    report = outcome.report
    assert report.integrity["mode"] == "shared", describe(outcome)
    if report.status == "tampered":
        assert all(
            skill.score == 0 for name, skill in report.skills.items() if name != "version_control"
        ), describe(outcome)
    else:
        assert outcome.passed() == [], "forged passes were accepted:\n" + describe(outcome)


def test_trusted_process_cannot_be_reached(grader_env: GraderEnv, grade_attack: Grade) -> None:
    """/proc reads, ptrace, writes to its descriptors and SIGSTOP against every other
    process: all refused (another uid, undumpable), so the suite runs to its end."""
    outcome = grade_attack("attack-trusted-process")
    check_graded_nothing_passed(grader_env, outcome)
    messages = " ".join(t.message for t in outcome.report.tests)
    assert "reached []" in messages, describe(outcome)
    assert "timeout" not in set(outcome.outcomes().values()), describe(outcome)


def test_results_cannot_be_rewritten_after_the_fact(
    grader_env: GraderEnv, grade_attack: Grade
) -> None:
    """The results travel on a socket only PID 1 reads: at exit the attack can neither read
    them back nor add any (the runner closed its end), so nothing it forged arrives."""
    outcome = grade_attack("rewrite-results-atexit")
    if outcome.report.status != "tampered":  # or, had anything arrived, as duplicates
        check_graded_nothing_passed(grader_env, outcome)


def test_tampered_report_scores_zero_overall(grader_env: GraderEnv, grade_attack: Grade) -> None:
    """A forger's report should not keep a version-control score (overall 0).

    Once beat the grader (policy): scoring zeroed only the test skills of a
    tampered grading, so the forger kept overall = version_control x its weight.
    """
    outcome = grade_attack("patch-runtest")
    if outcome.report.status == "tampered":
        assert outcome.report.overall == 0, describe(outcome)
    else:  # isolated: the patch never reached pytest, so nothing passed
        assert outcome.passed() == [], describe(outcome)


def test_fake_output_and_frames_are_ignored(grader_env: GraderEnv, grade_attack: Grade) -> None:
    outcome = grade_attack("fake-output")
    check_graded_nothing_passed(grader_env, outcome)
    assert outcome.artifacts is not None and outcome.artifacts.frame_found
    assert set(outcome.outcomes().values()) <= {"failed", "error"}, describe(outcome)


# ---------------------------------------------------------------------------
# Forgeries that once got a full score (see README.md for what stops each).
# ---------------------------------------------------------------------------


def test_daemon_leaves_nothing_and_forges_nothing(
    grader_env: GraderEnv, grade_attack: Grade
) -> None:
    """A setsid'd double-forked daemon keeps writing; it must die with the run.

    Once beat the grader: the daemon's last rewrite of the results file (after
    the test process ended, before kill -1) held forged passes. Results now go to
    a socket only PID 1 reads, and nothing written can be rewritten.
    """
    outcome = grade_attack("daemon")
    assert outcome.report.status in {"graded", "tampered"}, describe(outcome)
    check_forgery_fails(grader_env, outcome)


@pytest.mark.parametrize(
    "attack",
    [
        "forge-selective",  # flips failures of tests that call the candidate's code
        "forge-known-ids",  # at exit, rewrites only the results of the IDs a report gave away
        "forge-first-results",  # forged results first; the grader keeps the first of an ID
        "forge-then-exit",  # forged results, then os._exit(1): no tripwire, no finish record
        "forge-then-hang",  # forged results, then the time limit: exit checks skipped
        "drop-tripwires",  # tripwires removed from the collection, real tests no-ops
        "substitute-test-module",  # a fake test_perf module in sys.modules
    ],
)
def test_forgery_beyond_the_tripwires(
    grader_env: GraderEnv, grade_attack: Grade, attack: str
) -> None:
    check_forgery_fails(grader_env, grade_attack(attack))


def test_results_file_swapped_for_a_fifo_does_not_hang_the_supervisor(
    grader_env: GraderEnv, grade_attack: Grade
) -> None:
    """Once beat the grader (availability): PID 1 blocked opening a FIFO at the results
    path. There is no results file any more.

    The host then kills the container at timeout_s + 30 s: the grading takes a
    full extra half-minute and reports every test as a timeout.
    """
    outcome = grade_attack("hang-supervisor")
    check_graded_nothing_passed(grader_env, outcome)
    assert outcome.artifacts is not None and outcome.artifacts.frame_found, describe(outcome)
