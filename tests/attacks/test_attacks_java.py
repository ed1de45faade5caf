"""Red-team attacks on Java grading (pricing-java), each graded for real in a Docker sandbox.

Java is graded ``shared``: the candidate's classes load in the JVM that runs JUnit and
the grader's listener. What guards the results there is the tripwires (control tests
planted in the hidden tests), the silenced-control-test check and the exit-status
checks. Each attack is the pricing-java starter (every method throws) plus the files in
``submissions/java-<name>/``; no hidden test can pass for real, so a forgery must end
tampered (every test skill 0) or with nothing passed, in time, with the host clean.

The existing attacks of the same family (an exit from a static initializer, forged
records, a silenced listener) are in test_attacks_forgery.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.attacks.helpers import (
    GraderEnv,
    Outcome,
    assert_expected_ids,
    assert_host_clean,
    assert_in_time,
    describe,
)

pytestmark = pytest.mark.docker

JAVA = "pricing-java"

GradeIn = Callable[[str, str | None], Outcome]


def check_nothing_forged(env: GraderEnv, outcome: Outcome) -> None:
    """Tampered with every test skill 0, or graded with nothing passed; in time, host clean."""
    assert_in_time(env, outcome)
    assert_host_clean(env)
    assert_expected_ids(env, outcome)
    report = outcome.report
    assert report.integrity["mode"] == "shared", describe(outcome)
    if report.status == "tampered":
        test_skills = [s for name, s in report.skills.items() if name != "version_control"]
        assert all(skill.score == 0 for skill in test_skills), describe(outcome)
    else:
        assert report.status == "graded", describe(outcome)
        assert outcome.passed() == [], "forged passes were accepted:\n" + describe(outcome)


@pytest.mark.parametrize(
    "attack",
    [
        "java-exit-in-test",  # System.exit(0) from the first call a test makes
        "java-own-listener",  # a TestExecutionListener of its own + META-INF/services
    ],
)
def test_java_exits_and_listeners_forge_nothing(
    catalogue_env: Callable[[str], GraderEnv], grade_in: GradeIn, attack: str
) -> None:
    """An exit with status 0 while a must-fail control test ran or never ran is tampered;
    the candidate's own listener is never registered (only compiled classes reach the
    class path, not META-INF/services files), so nothing it would forge arrives."""
    outcome = grade_in(JAVA, attack)
    check_nothing_forged(catalogue_env(JAVA), outcome)


@pytest.mark.parametrize(
    "attack",
    [
        "java-fork-bomb",  # ProcessBuilder in a loop, forever, each child a shell with two more
        "java-thread-bomb",  # threads that never end, in a loop, forever
    ],
)
def test_java_process_and_thread_bombs_end_in_time(
    catalogue_env: Callable[[str], GraderEnv], grade_in: GradeIn, attack: str
) -> None:
    """The pids and memory limits stop the bomb, the time limit stops the loop: graded,
    nothing passed, in time, no container or grading folder left."""
    outcome = grade_in(JAVA, attack)
    check_nothing_forged(catalogue_env(JAVA), outcome)
    assert outcome.report.status == "graded", describe(outcome)


def test_java_reflection_into_the_listener_forges_nothing(
    catalogue_env: Callable[[str], GraderEnv], grade_in: GradeIn
) -> None:
    """Reflection from the candidate's code into the grader's listener (setAccessible on
    grader.GraderListener) and a rewrite of its output stream under it. It beat the grader
    (88.6 on the unchanged starter) until the test JVM ran under the Security Manager with
    the grader's policy (runner/java.policy): with the candidate's code on the stack,
    setAccessible and sun.misc.Unsafe are refused, and its tests simply fail."""
    outcome = grade_in(JAVA, "java-reflect-junit")
    check_nothing_forged(catalogue_env(JAVA), outcome)
    assert outcome.report.status == "graded", describe(outcome)
    assert {t.outcome for t in outcome.report.tests} == {"failed"}, describe(outcome)


def test_java_rerunning_the_calling_test_learns_nothing(
    catalogue_env: Callable[[str], GraderEnv], grade_in: GradeIn
) -> None:
    """An oracle: when a hidden test calls the submission, the submission finds that test
    on the stack (Throwable.getStackTrace), runs it again reflectively (same package, so
    no setAccessible) in a probing mode that returns sentinels, and keeps what the failed
    assertion expected; the real call then returns it. The starter's logic is unchanged.
    It scored 68.7, not tampered, until Java got mirrors: copies of cheap real tests
    expecting another number, which an oracle passes and an honest submission fails."""
    outcome = grade_in(JAVA, "java-oracle-rerun")
    check_nothing_forged(catalogue_env(JAVA), outcome)
    assert outcome.report.status == "tampered", describe(outcome)


def test_java_method_handle_proxy_does_not_escape_the_policy(
    catalogue_env: Callable[[str], GraderEnv], grade_in: GradeIn
) -> None:
    """A List returned to the hidden tests that is a java.lang.reflect.Proxy whose handler
    is a MethodHandleProxies instance over Policy.setPolicy(allow-all): when the test (or
    ImmutableCollections.equals under assertEquals) calls it, no class of the submission
    has a frame of its own. It is refused all the same: MethodHandleProxies binds the
    target to its caller (an injected invoker in the submission's protection domain), so
    the policy stays, every call on the list throws as the starter does, nothing passes."""
    outcome = grade_in(JAVA, "java-mh-proxy-escape")
    check_nothing_forged(catalogue_env(JAVA), outcome)
    assert outcome.report.status == "graded", describe(outcome)
    assert {t.outcome for t in outcome.report.tests} == {"failed"}, describe(outcome)
