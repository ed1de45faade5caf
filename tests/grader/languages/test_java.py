"""Java's record: control tests as JUnit methods of the first top-level class."""

import re
from pathlib import Path

from grader.languages.java import plant_java


def test_java_tripwires_are_methods_of_the_first_top_level_class(tmp_path: Path) -> None:
    hidden = tmp_path / "hidden" / "com" / "shop"
    hidden.mkdir(parents=True)
    source = (
        "package com.shop;\n\nimport org.junit.jupiter.api.Test;\n\n"
        "class CartTest {\n    @Test\n    void adds() {}\n\n"
        "    class Inner {\n    }\n}\n"
    )
    (hidden / "CartTest.java").write_text(source)
    wires = plant_java(tmp_path / "hidden", ["hidden/com/shop/CartTest.java::CartTest::adds"])
    assert len(wires) == 2 and wires[0].expected == "failed"
    planted = (hidden / "CartTest.java").read_text()
    for wire in wires:
        path, cls, method = wire.id.split("::")
        assert (path, cls) == ("hidden/com/shop/CartTest.java", "CartTest")
        assert f"    void {method}() {{" in planted
    # inside CartTest, before its first member, so it compiles wherever the class ends
    assert planted.index("@org.junit.jupiter.api.Test") < planted.index("void adds()")
    assert plant_java(tmp_path / "nothing", []) == []


PRICING = """package com.shop;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PricingTest {
    @Test
    void usTaxIsEightPercent() {
        assertEquals(1_080, Pricing.totalCents(order("US", 1000)));
    }

    @Test
    void loopsAreNeverMirrored() {
        for (long cents : new long[] {}) {
            assertEquals(5, cents);
        }
    }

    @Nested
    class Refusals {
        @Test
        void nestedTestsAreNotMirrored() {
            assertEquals(7, Pricing.totalCents(order("EU", 7)));
        }
    }
}
"""


def test_a_mirror_copies_a_real_test_with_another_expected_number(tmp_path: Path) -> None:
    hidden = tmp_path / "hidden" / "com" / "shop"
    hidden.mkdir(parents=True)
    (hidden / "PricingTest.java").write_text(PRICING)
    wires = plant_java(tmp_path / "hidden", [], count=0)
    assert len(wires) == 1 and wires[0].expected == "not-passed"
    path, cls, name = wires[0].id.split("::")
    assert (path, cls) == ("hidden/com/shop/PricingTest.java", "PricingTest")
    planted = (hidden / "PricingTest.java").read_text()
    mirror = re.search(rf"void {name}\(\) \{{\n(.*?)\n    \}}", planted, re.DOTALL)
    assert mirror is not None, planted
    expected = re.search(
        r"assertEquals\((\d+), Pricing\.totalCents\(order\(\"US\", 1000\)\)\);", mirror.group(1)
    )
    assert expected is not None and 1081 <= int(expected.group(1)) <= 1089, mirror.group(1)
    # The statement-level assertion of a top-level test only: not a loop's, not a nested class's.
    assert planted.count("assertEquals(5, cents)") == 1 and planted.count("assertEquals(7,") == 1


def test_control_tests_are_named_like_junit_methods(tmp_path: Path) -> None:
    hidden = tmp_path / "hidden" / "com" / "shop"
    hidden.mkdir(parents=True)
    (hidden / "PricingTest.java").write_text(PRICING)
    wires = plant_java(tmp_path / "hidden", [], count=3)
    for wire in wires:
        name = wire.id.split("::")[-1]
        assert re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)+\d?", name), name


def test_an_expensive_test_is_not_mirrored(tmp_path: Path) -> None:
    hidden = tmp_path / "hidden" / "com" / "shop"
    hidden.mkdir(parents=True)
    (hidden / "PricingTest.java").write_text(PRICING)
    test = "hidden/com/shop/PricingTest.java::PricingTest::usTaxIsEightPercent"
    durations = {test: 5.0, "hidden/com/shop/PricingTest.java::PricingTest::other": 0.01}
    assert plant_java(tmp_path / "hidden", [], count=0, durations=durations) == []
