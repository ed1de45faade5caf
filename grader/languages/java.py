"""Java: javac and JUnit 5 in the sandbox, the submission in the test JVM (``shared``).

The image is Debian's own JDK 17 and JUnit 5 (``junit-platform-console-
standalone``) on a debootstrap base. The sandbox's runner (``grader/runner/
suite_java.py``) compiles ``src/main/java`` with the hidden tests and runs JUnit
with the grader's listener; it finds its sources itself. Control tests are
JUnit methods added to the first top-level class of hidden test files: tripwires
and mirrors of cheap real tests, named like their neighbours.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from grader.languages.base import Base, Isolation, Language, LanguageSupport
from grader.tripwires import MAX_MIRRORS, Tripwire, camel_name, cheap_tests

# The first top-level class of a Java test file (no indentation: a nested class is not).
JAVA_CLASS = re.compile(r"^(?:public\s+|final\s+|abstract\s+)*class\s+(\w+)[^{]*\{", re.MULTILINE)


# A JUnit test method without parameters, at the indentation of its class's members.
JAVA_TEST = re.compile(
    r"^([ \t]+)@Test[ \t]*\n\1void (\w+)\(\)[ \t]*\{\n(.*?)\n\1\}[ \t]*\n",
    re.MULTILINE | re.DOTALL,
)
# An expected value that is a whole-number literal: the first argument of assertEquals.
EXPECTED = re.compile(r"assertEquals\(\s*(-?\d[\d_]*)(?=L?\s*,)")


def plant_java(
    hidden_copy: Path,
    test_ids: Iterable[str],
    count: int = 2,
    durations: Mapping[str, float] | None = None,
) -> list[Tripwire]:
    """Java's control tests, added to the first top-level class of hidden test files with
    fully qualified annotations (no import needed), named like JUnit methods: tripwires
    (the first must fail) and mirrors of cheap real tests (must not pass)."""
    rng = random.Random(secrets.randbits(64))
    files = sorted(hidden_copy.rglob("*Test.java"))
    taken = {test_id.split("::")[-1] for test_id in test_ids}
    for file in files:  # the methods a suite already has, helpers included
        taken.update(re.findall(r"\b(\w+)\s*\(", file.read_text(encoding="utf-8")))
    planted = _plant_mirrors(hidden_copy, files, taken, rng, cheap_tests(durations or {}))
    for index in range(count if files else 0):
        file = rng.choice(files)
        source = file.read_text(encoding="utf-8")
        found = JAVA_CLASS.search(source)
        if found is None:
            continue
        name = camel_name(rng, taken)
        must_pass = index > 0 and rng.random() < 0.5
        a, b = rng.randint(2, 99), rng.randint(2, 99)
        method = (
            f"\n    @org.junit.jupiter.api.Test\n    void {name}() {{\n"
            f"        org.junit.jupiter.api.Assertions.assertEquals"
            f"({a + b if must_pass else a + b + 1}, {a} + {b});\n    }}\n"
        )
        file.write_text(source[: found.end()] + method + source[found.end() :], encoding="utf-8")
        relative = file.relative_to(hidden_copy.parent).as_posix()
        planted.append(
            Tripwire(f"{relative}::{found.group(1)}::{name}", "passed" if must_pass else "failed")
        )
    return planted


def _plant_mirrors(
    hidden_copy: Path,
    files: list[Path],
    taken: set[str],
    rng: random.Random,
    cheap: Callable[[str], bool],
) -> list[Tripwire]:
    """Copies of cheap real tests whose first statement-level ``assertEquals`` expects
    another whole number: an honest submission fails them, and so does any code that does
    not know the expected values. A forger that learns each test's expected value by
    running it (the red team's java-oracle-rerun) passes them, and is caught."""
    planted: list[Tripwire] = []
    for file in rng.sample(files, len(files)):
        if len(planted) >= MAX_MIRRORS:
            break
        source = file.read_text(encoding="utf-8")
        top = JAVA_CLASS.search(source)
        if top is None:
            continue
        relative = file.relative_to(hidden_copy.parent).as_posix()
        mirrored = _mirror_one(source, top, relative, taken, rng, cheap)
        if mirrored is not None:
            file.write_text(mirrored[0], encoding="utf-8")
            planted.append(Tripwire(f"{relative}::{top.group(1)}::{mirrored[1]}", "not-passed"))
    return planted


def _mirror_one(
    source: str,
    top: re.Match[str],
    relative: str,
    taken: set[str],
    rng: random.Random,
    cheap: Callable[[str], bool],
) -> tuple[str, str] | None:
    """The source with one mirror added after the test it copies, and the mirror's name."""
    methods = [m for m in JAVA_TEST.finditer(source) if m.start() > top.end()]
    if not methods:
        return None
    member = min(len(m.group(1)) for m in methods)  # deeper ones are in nested classes
    for method in rng.sample(methods, len(methods)):
        indent, name, body = method.group(1), method.group(2), method.group(3)
        if len(indent) != member or not cheap(f"{relative}::{top.group(1)}::{name}"):
            continue
        statement = _first_expectation(body, indent)
        if statement is None:
            continue
        old = int(statement.group(1).replace("_", ""))
        changed = (
            body[: statement.start(1)] + str(old + rng.randint(1, 9)) + body[statement.end(1) :]
        )
        mirror = camel_name(rng, taken)
        head = f"{indent}@org.junit.jupiter.api.Test\n{indent}void {mirror}() {{\n"
        copy = f"{head}{changed}\n{indent}}}\n"
        return source[: method.end()] + "\n" + copy + source[method.end() :], mirror
    return None


def _first_expectation(body: str, indent: str) -> re.Match[str] | None:
    """The body's first assertEquals on a whole number, if it is a statement of the body
    itself (not inside a loop, a branch or a lambda, where it might not run)."""
    offset = 0
    for line in body.split("\n"):
        if line.startswith(indent * 2 + "assertEquals(") or line.startswith(
            indent * 2 + "Assertions.assertEquals("
        ):
            found = EXPECTED.search(line)
            return EXPECTED.search(body, offset) if found else None
        offset += len(line) + 1
    return None


def no_args(_hidden_dir: Path) -> tuple[str, ...]:
    return ()


def plant(
    hidden_copy: Path, test_ids: Sequence[str], durations: Mapping[str, float]
) -> list[Tripwire]:
    return plant_java(hidden_copy, test_ids, durations=durations)


SUPPORT = LanguageSupport(
    language=Language.JAVA,
    isolations=(Isolation.SHARED,),
    base=Base(
        name="grader-java-base:bookworm",
        packages=("python3", "openjdk-17-jdk-headless", "junit5"),
    ),
    run_command="java",
    collect_command=None,
    suite_args=no_args,
    plant=plant,
    every_test_reported=True,
)
