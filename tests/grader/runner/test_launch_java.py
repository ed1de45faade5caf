"""Launch.java in a real sandbox: the hidden tests in a class loader of their own still
reach what they reached in one class loader.

A variant of pricing-java whose records are package-private (a hidden test of package
com.shop constructs them), with a package-private helper of the solution that a hidden
test calls, and a hidden helper class of another package (com.shop.support) that a test
uses: `grader challenge validate` must accept it, the solution passing every test.
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
    toml = challenge / "challenge.toml"
    mapped = '"hidden/com/shop/PricingTest.java::*"'
    both = f'{mapped}, "hidden/com/shop/PackagePrivateTest.java::*"'
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
