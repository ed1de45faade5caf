"""Red-team attacks on the Java tests' loaders and policy (pricing-java), graded for real.

The hidden tests load in a class loader of their own (runner/Launch.java) and the
submission's classes run under the Security Manager with only property reads, getenv and
socket connects (runner/java.policy). A permission is checked against every frame on the
stack, so what these attacks look for is a privileged action that runs with no frame of
the submission's on the stack: trusted code (the JDK, JUnit, the hidden tests, the
grader's listener) doing it for the submission. Each attack is the pricing-java starter
(every method throws, its logic unchanged) plus the files in ``submissions/java-<name>/``:
no hidden test can pass for real, so the sound verdict is graded with nothing passed (or
tampered with every test skill 0), in time, with the host clean.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.attacks.helpers import GraderEnv, Outcome, check_shared_forgery_fails, describe, git
from tests.attacks.test_attacks_java import JAVA

pytestmark = pytest.mark.docker

TRIGGERS = Path("src/main/java/com/shop/Triggers.java")
DEPUTY = Path("src/main/java/com/shop/Deputy.java")
ESCAPE = Path("src/main/java/com/shop/Escape.java")

GradeIn = Callable[..., Outcome]


def only_trigger(name: str) -> Callable[[Path], None]:
    """A setup that keeps one of java-lent-invoker's triggers (Triggers.java) on."""

    def setup(repo: Path) -> None:
        path = repo / TRIGGERS
        text = path.read_text()
        for flag in ("GC_NOTIFICATION", "TEST_CALLS_LIST", "LISTENER_PRINTS"):
            text = text.replace(f"{flag} = true", f"{flag} = {str(flag == name).lower()}")
        path.write_text(text)
        git(repo, "add", str(TRIGGERS))

    return setup


@pytest.mark.parametrize(
    "trigger",
    [None, "GC_NOTIFICATION", "TEST_CALLS_LIST", "LISTENER_PRINTS"],
    ids=["all-triggers", "gc-notification", "test-calls-list", "listener-prints"],
)
def test_java_a_proxy_whose_invoker_is_junits_lends_no_permission(
    catalogue_env: Callable[[str], GraderEnv], grade_in: GradeIn, trigger: str | None
) -> None:
    """java-lent-invoker: MethodHandleProxies.asInterfaceInstance binds its target to its
    caller, and java-mh-proxy-escape was refused because that caller was the submission.
    Here JUnit 4's public FrameworkMethod.invokeExplosively (in the console launcher's jar,
    granted everything) calls it, so the injected invoker is JUnit's. The proxy, an
    InvocationHandler over a method handle that calls Policy.setPolicy(allow-all), backs
    a GC notification listener (the JVM's Notification Thread calls it), a List the hidden
    test calls and the remaining name of a NamingException the grader's listener prints:
    with no frame of the submission's on the stack, the call is allowed. With the policy
    its own, the submission reads hidden/ (so it knows the control tests: their
    @org.junit.jupiter.api.Test is fully qualified) and reruns each other calling test
    with sentinel answers to learn what it expects. Each trigger alone was enough: graded
    88.6 (68.6 with the List or the listener's print alone), not tampered. JUnit 4 is no
    longer on the test JVM's class path (suite_java.py puts JUnit 5's own jars there, not
    the standalone jar), so there is no FrameworkMethod to lend its class: the lookup fails,
    the starter's logic answers, and nothing passes."""
    setup = None if trigger is None else only_trigger(trigger)
    outcome: Outcome = grade_in(JAVA, "java-lent-invoker", setup)
    check_shared_forgery_fails(catalogue_env(JAVA), outcome)
    assert outcome.report.status == "graded", describe(outcome)
    assert {t.outcome for t in outcome.report.tests} == {"failed"}, describe(outcome)


@pytest.mark.parametrize("how", ["policy", "define"])
def test_java_junits_own_lookup_lends_no_permission(
    catalogue_env: Callable[[str], GraderEnv], grade_in: GradeIn, how: str
) -> None:
    """java-junit-lookup: MethodHandles.lookup() is caller-sensitive, and called
    reflectively by JUnit 4's public FrameworkMethod.invokeExplosively it returns a
    full-privilege Lookup on FrameworkMethod$1, a class of the console launcher's jar
    (AllPermission). "policy": handles found through it to caller-sensitive methods are
    bound to that class, so AccessController.doPrivileged, called from JUnit's domain, runs
    a PrivilegedAction made by asInterfaceInstance (its invoker JUnit's as well) over
    Policy.setPolicy(allow-all); the stack walk stops at JUnit's frame, before any of the
    submission's. "define": the policy is left alone; Lookup.defineClass puts a class of
    the submission's (LentHelper, shipped as bytes) in JUnit's package, loader and domain,
    and its doPrivileged blocks read hidden/, open and run the tests. Either way at the
    first call from a hidden test, no trigger needed; the same oracle as
    java-lent-invoker then passed every real test (graded 88.6, not tampered) until JUnit
    4 left the class path."""

    def define(repo: Path) -> None:
        path = repo / ESCAPE
        path.write_text(path.read_text().replace('HOW = "policy"', 'HOW = "define"'))
        git(repo, "add", str(ESCAPE))

    outcome = grade_in(JAVA, "java-junit-lookup", define if how == "define" else None)
    check_shared_forgery_fails(catalogue_env(JAVA), outcome)
    assert outcome.report.status == "graded", describe(outcome)
    assert {t.outcome for t in outcome.report.tests} == {"failed"}, describe(outcome)


def test_java_picocli_runs_no_lookup_for_the_submission(
    catalogue_env: Callable[[str], GraderEnv], grade_in: GradeIn
) -> None:
    """java-junit-lookup with the console launcher's picocli as the deputy instead of JUnit
    4: CommandLine.execute of a CommandSpec.forAnnotatedObjectLenient(MethodHandles.lookup
    Method) would call lookup() from picocli's class, but picocli makes the method
    accessible first, which the policy refuses with the submission's frames on the stack:
    no Lookup, the starter's logic answers and nothing passes."""

    def picocli(repo: Path) -> None:
        path = repo / DEPUTY
        path.write_text(path.read_text().replace('USE = "junit4"', 'USE = "picocli"'))
        git(repo, "add", str(DEPUTY))

    outcome = grade_in(JAVA, "java-junit-lookup", picocli)
    check_shared_forgery_fails(catalogue_env(JAVA), outcome)
    assert outcome.report.status == "graded", describe(outcome)
    assert {t.outcome for t in outcome.report.tests} == {"failed"}, describe(outcome)


def test_java_an_assertions_of_junits_name_is_not_junits(
    catalogue_env: Callable[[str], GraderEnv], grade_in: GradeIn
) -> None:
    """src/main/java/org/junit/jupiter/api/Assertions.java: a lenient Assertions of
    JUnit's name, and a Pricing that answers -1 to everything. The hidden tests compile
    against JUnit's own (it comes first on javac's class path), and at run time the
    submission's loader asks its parent first: JUnit's own assertions run, and nothing
    passes."""
    outcome = grade_in(JAVA, "java-shadow-assertions")
    check_shared_forgery_fails(catalogue_env(JAVA), outcome)
    assert outcome.report.status == "graded", describe(outcome)
    assert {t.outcome for t in outcome.report.tests} == {"failed"}, describe(outcome)
