"""Launch.java in a real sandbox: the hidden tests in a class loader of their own still
reach what they reached in one class loader.

A variant of pricing-java whose records are package-private (a hidden test of package
com.shop constructs them), with a package-private helper of the solution that a hidden
test calls, hidden helpers of another package (com.shop.support: a value, a base test
class with @BeforeEach and a protected test, a @MethodSource factory), a test in an
interface's default method, a @Nested and a static nested test class: `grader challenge
validate` must accept it, the solution passing every test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.config import PROJECT_ROOT

pytestmark = pytest.mark.docker

SUPPORT = """package com.shop.support;

/** A hidden helper in another package than the tests that use it. */
public final class Cents {
    private Cents() {}

    public static long euros(long euros) {
        return euros * 100;
    }
}
"""

HELPER_TEST = """package com.shop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.shop.support.Cents;
import java.util.List;
import org.junit.jupiter.api.Test;

class PackagePrivateTest {
    @Test
    void aPackagePrivateHelperOfTheSubmissionIsReachable() {
        assertEquals(4, Rounding.half(9));
    }

    @Test
    void aHelperOfAnotherHiddenPackageIsReachable() {
        Order order = new Order("US", List.of(new Line("A", 1, Cents.euros(10))), null);
        assertEquals(1080, Pricing.totalCents(order));
    }
}
"""

BASE = """package com.shop.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A hidden base class in another package: its tests run in every subclass. */
public abstract class TaxChecks {
    protected long units;

    @BeforeEach
    protected void setUp() {
        units = 1000;
    }

    protected abstract long priceInUs(long cents);

    @Test
    protected void usTaxIsAddedInTheBaseClass() {
        assertEquals(1080, priceInUs(units));
    }
}
"""

ROWS = """package com.shop.support;

import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** A hidden argument source in another package, named by @MethodSource. */
public final class Rows {
    private Rows() {}

    public static Stream<Arguments> usPrices() {
        return Stream.of(Arguments.of(1000L, 1080L), Arguments.of(2000L, 2160L));
    }
}
"""

JUNIT_FEATURES_TEST = """package com.shop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.shop.support.TaxChecks;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

interface DefaultChecks {
    @Test
    default void aTestInAnInterfaceDefaultMethodRuns() {
        assertEquals(2, Rounding.half(5));
    }
}

class JunitFeaturesTest extends TaxChecks implements DefaultChecks {
    @Override
    protected long priceInUs(long cents) {
        return Pricing.totalCents(new Order("US", List.of(new Line("A", 1, cents)), null));
    }

    @ParameterizedTest
    @MethodSource("com.shop.support.Rows#usPrices")
    void argumentsComeFromAnotherHiddenPackage(long cents, long expected) {
        assertEquals(expected, priceInUs(cents));
    }

    @Nested
    class Inner {
        @Test
        void aNestedClassReachesItsOuterInstance() {
            assertEquals(1000, units);
        }
    }

    static class StaticNestedTest {
        @Test
        void aStaticNestedClassRunsToo() {
            assertEquals(4, Rounding.half(8));
        }
    }
}
"""

ROUNDING = """package com.shop;

final class Rounding {
    private Rounding() {}

    static long half(long value) {
        return value / 2;
    }
}
"""


def package_private_variant(root: Path) -> Path:
    challenge = root / "pricing-java"
    shutil.copytree(PROJECT_ROOT / "challenges" / "pricing-java", challenge)
    for side in ("starter", "solution"):
        shop = challenge / side / "src" / "main" / "java" / "com" / "shop"
        for record in ("Line.java", "Order.java"):
            path = shop / record
            path.write_text(path.read_text().replace("public record", "record"))
        (shop / "Rounding.java").write_text(ROUNDING)
    (challenge / "hidden" / "com" / "shop" / "support").mkdir()
    (challenge / "hidden" / "com" / "shop" / "support" / "Cents.java").write_text(SUPPORT)
    (challenge / "hidden" / "com" / "shop" / "PackagePrivateTest.java").write_text(HELPER_TEST)
    (challenge / "hidden" / "com" / "shop" / "support" / "TaxChecks.java").write_text(BASE)
    (challenge / "hidden" / "com" / "shop" / "support" / "Rows.java").write_text(ROWS)
    (challenge / "hidden" / "com" / "shop" / "JunitFeaturesTest.java").write_text(
        JUNIT_FEATURES_TEST
    )
    toml = challenge / "challenge.toml"
    mapped = '"hidden/com/shop/PricingTest.java::*"'
    both = (
        f'{mapped}, "hidden/com/shop/PackagePrivateTest.java::*",'
        ' "hidden/com/shop/JunitFeaturesTest.java::*"'
    )
    toml.write_text(toml.read_text().replace(mapped, both))
    return challenge


def test_hidden_tests_reach_package_private_members_from_their_own_loader(
    tmp_path: Path,
) -> None:
    challenge = package_private_variant(tmp_path)
    validate = ["challenge", "validate", str(challenge), "--runs", "1"]
    done = subprocess.run(
        [sys.executable, "-m", "grader.cli", *validate],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "GRADER_DATA_DIR": str(tmp_path / "data")},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "valid: pricing-java" in done.stdout
    # pricing-java's 15, PackagePrivateTest's 2 and one per JUnit feature above (the
    # parameterized test twice): every one found, and passed against the solution
    assert "(23 tests," in done.stdout, done.stdout
