"""Compiles a Java submission with the hidden JUnit 5 tests, then runs them (in the sandbox).

Run by PID 1 (supervise.py) as the tests' uid: ``suite_java.py RESULTS_PATH``, the
command that ``command()`` below gives supervise.py. The submission's
``src/main/java/**`` is compiled first, then ``hidden/**`` against it, each into a
folder of its own. A compile error is a ``collect_error`` record for every hidden test
file, with the compiler's first errors: the host then reports each of their tests as an
error, and the grading as graded. The tests run in JUnit's console launcher with the
grader's listener (GraderListener.java) writing the results, behind the grader's entry
point (Launch.java), which loads the hidden tests in a class loader of their own that
the submission can neither see into nor shadow. Compiling and the JVM's start are
inside the suite's time limit, and a ``timing`` record gives the compile time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

COMMANDS = ("java",)
SOCKET_RESULTS = False
ISOLATES = False
# JUnit 5 alone: Jupiter (with params) and the console launcher, each jar bringing the
# rest through its manifest's Class-Path. Not the standalone jar, which also holds JUnit 4,
# Vintage and Hamcrest: code granted everything that calls a method for whoever asks is a
# deputy under the Security Manager, and JUnit 4's public FrameworkMethod.invokeExplosively
# was one (the red team's java-junit-lookup and java-lent-invoker: 88.6 on the starter).
JUNIT = ":".join(
    f"/usr/share/java/{jar}.jar"
    for jar in ("junit-jupiter-engine", "junit-jupiter-params", "junit-platform-console")
)
LISTENER = "/opt/grader/java"
OUT = Path("/tmp/grader-java")
MAX_ERRORS = 4000
# The Security Manager with the grader's policy (java.policy: the candidate's classes get
# no reflection into private members, no Unsafe, no exit, no processes, no files), and no
# attach listener through which another process could load an agent into this JVM.
POLICY = "/opt/grader/java.policy"
JVM = [
    "-XX:+UseSerialGC",
    "-Xss1m",
    "-Djava.awt.headless=true",
    "-XX:+DisableAttachMechanism",
    "-Djava.security.manager",
    f"-Djava.security.policy={POLICY}",
]


def command(_header: dict[str, Any], results: Any, _control: Any) -> list[str]:
    """Compiles, then execs the JVM with the grader's JUnit listener on the results pipe
    (``results``: supervise.ResultsPipe)."""
    return ["python3", "-I", "-B", "-S", "/opt/grader/suite_java.py", results.path]


def write(results: str, record: dict[str, object]) -> None:
    with open(results, "a", encoding="utf-8") as channel:
        channel.write(json.dumps(record) + "\n")


def sources(root: Path) -> list[str]:
    return sorted(str(p) for p in root.rglob("*.java")) if root.is_dir() else []


def javac(files: list[str], dest: Path, classpath: str) -> str | None:
    """None when it compiled; else the compiler's first errors."""
    if not files:
        return None
    dest.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["javac", "-nowarn", "-encoding", "UTF-8", "-d", str(dest), "-cp", classpath, *files],
        capture_output=True,
        text=True,
    )
    if done.returncode == 0:
        return None
    return (done.stderr or done.stdout)[:MAX_ERRORS] or f"javac exited {done.returncode}"


def main() -> int:
    results = sys.argv[1]
    work = Path.cwd()
    started = time.monotonic()
    main_classes, test_classes = OUT / "main", OUT / "tests"
    hidden = sources(work / "hidden")
    error = javac(sources(work / "src" / "main" / "java"), main_classes, JUNIT)
    where = "src/main/java"
    if error is None:
        # JUnit first: a submission's class of JUnit's name (a lenient Assertions, the red
        # team's java-shadow-assertions) is never what the hidden tests compile against
        error = javac(hidden, test_classes, f"{JUNIT}:{main_classes}")
        where = "hidden/ against src/main/java"
    write(results, {"event": "timing", "compile_s": round(time.monotonic() - started, 3)})
    if error is not None:
        print(f"compilation failed ({where}):\n{error}", flush=True)
        for path in hidden:
            relative = str(Path(path).relative_to(work))
            write(results, {"event": "collect_error", "id": relative, "message": error})
        return 1
    # Launch.java puts the submission and the hidden tests in class loaders of their own
    # (the tests out of the submission's reach), then runs JUnit's console launcher.
    os.execvp(
        "java",
        [
            "java",
            *JVM,
            f"-Dgrader.results={results}",
            "-cp",
            f"{JUNIT}:{LISTENER}",
            "grader.Launch",
            str(main_classes),
            str(test_classes),
            "--disable-banner",
            "--details=tree",
            "--disable-ansi-colors",
            f"--scan-class-path={test_classes}",
            "--include-classname=.*",
        ],
    )
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
