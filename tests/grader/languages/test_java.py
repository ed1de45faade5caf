"""Java's record: control tests as JUnit methods of the first top-level class."""

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
