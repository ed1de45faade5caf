"""Red-team attacks: another deputy in the Java tests' JVM (pricing-java), graded for real.

java-junit-lookup escaped the policy through a deputy: trusted code (granted everything)
that called a caller-sensitive method reflectively for whoever asked, so that
MethodHandles.lookup() returned a full-privilege Lookup on the deputy's class. JUnit 4 is
gone from the test JVM's class path; these attacks are java-junit-lookup (the starter, its
logic unchanged, and the same escape and oracle) with its Deputy.java swapped for another
candidate on the class path that remains: JUnit 5's own jars and the JDK. The sound verdict
is graded with nothing passed, in time, with the host clean.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.attacks.helpers import (
    SUBMISSIONS,
    GraderEnv,
    Outcome,
    check_shared_forgery_fails,
    describe,
    git,
)
from tests.attacks.test_attacks_java import JAVA

pytestmark = pytest.mark.docker

DEPUTY = Path("src/main/java/com/shop/Deputy.java")

GradeIn = Callable[..., Outcome]


def deputy_of(attack: str) -> Callable[[Path], None]:
    """A setup that puts submissions/<attack>'s Deputy.java in java-junit-lookup's place."""

    def setup(repo: Path) -> None:
        shutil.copyfile(SUBMISSIONS / attack / DEPUTY, repo / DEPUTY)
        git(repo, "add", str(DEPUTY))

    return setup


def test_java_junit5s_reflection_support_lends_no_lookup(
    catalogue_env: Callable[[str], GraderEnv], grade_in: GradeIn
) -> None:
    """java-jupiter-invoke: ReflectionSupport.invokeMethod (junit-platform-commons, public
    and granted everything) calls Method.invoke for whoever asks, as JUnit 4's
    FrameworkMethod.invokeExplosively did; given MethodHandles.lookup it would return a
    Lookup on ReflectionUtils. But ReflectionUtils.makeAccessible calls setAccessible(true)
    on every method first (isAccessible is false for a fresh Method), and
    suppressAccessChecks is refused with the submission's frames on the stack: no Lookup,
    the starter's logic answers and nothing passes."""
    outcome = grade_in(JAVA, "java-junit-lookup", deputy_of("java-jupiter-invoke"))
    check_shared_forgery_fails(catalogue_env(JAVA), outcome)
    assert outcome.report.status == "graded", describe(outcome)
    assert {t.outcome for t in outcome.report.tests} == {"failed"}, describe(outcome)


def test_java_beans_expression_lends_no_lookup(
    catalogue_env: Callable[[str], GraderEnv], grade_in: GradeIn
) -> None:
    """java-beans-expression: java.beans.Expression(MethodHandles.class, "lookup").getValue()
    has the JDK (java.desktop) make the reflective call. It runs in a doPrivileged limited to
    the context captured when the Expression was made (the submission's), and through
    sun.reflect.misc.MethodUtil's trampoline, which refuses any method of java.lang.invoke,
    AccessController or Method ("invocation not supported"): no Lookup, nothing passes."""
    outcome = grade_in(JAVA, "java-junit-lookup", deputy_of("java-beans-expression"))
    check_shared_forgery_fails(catalogue_env(JAVA), outcome)
    assert outcome.report.status == "graded", describe(outcome)
    assert {t.outcome for t in outcome.report.tests} == {"failed"}, describe(outcome)
