"""Java: javac and JUnit 5 in the sandbox, the submission in the test JVM (``shared``).

The image is Debian's own JDK 17 and JUnit 5 (``junit-platform-console-
standalone``) on a debootstrap base. The sandbox's runner (``grader/runner/
suite_java.py``) compiles ``src/main/java`` with the hidden tests and runs JUnit
with the grader's listener; it finds its sources itself. Control tests are
JUnit methods added to the first top-level class of hidden test files.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from grader.languages.base import Base, Isolation, Language, LanguageSupport
from grader.tripwires import Tripwire, control_name

# The first top-level class of a Java test file (no indentation: a nested class is not).
JAVA_CLASS = re.compile(r"^(?:public\s+|final\s+|abstract\s+)*class\s+(\w+)[^{]*\{", re.MULTILINE)


def plant_java(hidden_copy: Path, test_ids: Iterable[str], count: int = 2) -> list[Tripwire]:
    """Java's tripwires: JUnit 5 test methods added to the first class of hidden test files,
    with fully qualified annotations so that no import is needed."""
    rng = random.Random(secrets.randbits(64))
    files = sorted(hidden_copy.rglob("*Test.java"))
    taken = {test_id.split("::")[-1] for test_id in test_ids}
    planted: list[Tripwire] = []
    for index in range(count if files else 0):
        file = rng.choice(files)
        source = file.read_text(encoding="utf-8")
        found = JAVA_CLASS.search(source)
        if found is None:
            continue
        name = control_name(rng, taken)
        while name in taken:
            name += "_again"
        taken.add(name)
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


def no_args(_hidden_dir: Path) -> tuple[str, ...]:
    return ()


def plant(
    hidden_copy: Path, test_ids: Sequence[str], _durations: Mapping[str, float]
) -> list[Tripwire]:
    return plant_java(hidden_copy, test_ids)


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
