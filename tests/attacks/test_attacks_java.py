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

from tests.attacks.helpers import GraderEnv, Outcome, check_shared_forgery_fails, describe

pytestmark = pytest.mark.docker

JAVA = "pricing-java"

GradeIn = Callable[[str, str | None], Outcome]


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
    check_shared_forgery_fails(catalogue_env(JAVA), outcome)


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
    check_shared_forgery_fails(catalogue_env(JAVA), outcome)
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
    check_shared_forgery_fails(catalogue_env(JAVA), outcome)
    assert outcome.report.status == "graded", describe(outcome)
    assert {t.outcome for t in outcome.report.tests} == {"failed"}, describe(outcome)


def test_java_rerunning_the_calling_test_learns_nothing(
    catalogue_env: Callable[[str], GraderEnv], grade_in: GradeIn
) -> None:
    """An oracle: when a hidden test calls the submission, the submission finds that test
    on the stack (Throwable.getStackTrace), runs it again reflectively (same package, so
    no setAccessible) in a probing mode that returns sentinels, and keeps what the failed
    assertion expected; the real call then returns it. The starter's logic is unchanged.
    It scored 68.7 until Java got mirrors (copies of cheap real tests expecting another
    number, which an oracle passes and an honest submission fails), and still 68.6 in CI
    whenever each mirror ran after its original, whose answer it then reused. Now the
    hidden tests load in a class loader of their own (runner/Launch.java): the
    submission's loader cannot name them, the oracle finds no test, and the starter's
    logic answers."""
    outcome = grade_in(JAVA, "java-oracle-rerun")
    check_shared_forgery_fails(catalogue_env(JAVA), outcome)
    assert outcome.report.status == "graded", describe(outcome)
    assert {t.outcome for t in outcome.report.tests} == {"failed"}, describe(outcome)


@pytest.mark.parametrize("public", [False, True], ids=["package-private-tests", "public-tests"])
def test_java_an_oracle_holding_the_test_class_cannot_run_it(
    catalogue_env: Callable[[str], GraderEnv],
    grade_in: GradeIn,
    public_java_env: GraderEnv,
    grade_public_java: Callable[[str], Outcome],
    public: bool,
) -> None:
    """The same oracle, which now looks the calling test up through every loader within
    reach (the context class loader is the tests' own), falls back from
    getDeclaredMethods to getMethods, and tries setAccessible: against the catalogue's
    package-private tests and against the same tests declared public. The Class it gets
    is of another runtime package and, as loaded, not public (Launch.java drops
    ACC_PUBLIC), and the policy refuses declared members and setAccessible: it can run no
    test, and nothing passes."""
    env = public_java_env if public else catalogue_env(JAVA)
    outcome = (
        grade_public_java("java-oracle-context")
        if public
        else grade_in(JAVA, "java-oracle-context")
    )
    check_shared_forgery_fails(env, outcome)
    assert outcome.report.status == "graded", describe(outcome)
    assert {t.outcome for t in outcome.report.tests} == {"failed"}, describe(outcome)


def test_java_a_submission_class_named_like_a_test_is_not_the_test(
    catalogue_env: Callable[[str], GraderEnv], grade_in: GradeIn
) -> None:
    """src/main/java/com/shop/PricingTest.java: a class of the hidden test's name whose
    methods of the same names pass. The hidden tests' loader looks at its own classes
    before its parents, so the hidden PricingTest runs, and fails on the starter."""
    outcome = grade_in(JAVA, "java-shadow-test")
    check_shared_forgery_fails(catalogue_env(JAVA), outcome)
    assert outcome.report.status == "graded", describe(outcome)
    assert {t.outcome for t in outcome.report.tests} == {"failed"}, describe(outcome)


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
    check_shared_forgery_fails(catalogue_env(JAVA), outcome)
    assert outcome.report.status == "graded", describe(outcome)
    assert {t.outcome for t in outcome.report.tests} == {"failed"}, describe(outcome)
