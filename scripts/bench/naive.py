"""Reference 2, the naive grader: per submission a ``git clone``, the hidden suite copied in,
and one ``docker run --rm -v <checkout>:/work`` running the suite.

What a grader written in an afternoon does; the grader must be faster at every point.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from grader.languages.node import suite_files
from scripts.bench.harness import Bench
from scripts.bench.subjects import Subject


def naive_once(bench: Bench, subject: Subject) -> float:
    """Reference 2: clone, copy the hidden suite in, `docker run --rm -v` pytest."""
    started = time.perf_counter()
    checkout = Path(tempfile.mkdtemp(prefix="naive-", dir=bench.data_dir))
    try:
        checkout.chmod(0o755)
        subprocess.run(
            ["git", "clone", "--quiet", "--no-local", str(subject.repo), str(checkout / "w")],
            check=True,
            capture_output=True,
        )
        tree = checkout / "w"
        shutil.copytree(subject.prepared.challenge.hidden_dir, tree / "hidden")
        language = subject.prepared.challenge.language
        if language == "python":
            command = ["/opt/venv/bin/python", "-m", "pytest", "-q", "-p", "no:cacheprovider"]
            command.append("hidden")
        else:
            command = ["node", "--test", *suite_files(tree / "hidden")]
        done = subprocess.run(
            [
                "docker",
                "run",
                "--rm",
                "--network",
                "none",
                "-v",
                f"{tree}:/work",
                "-w",
                "/work",
                "--entrypoint",
                command[0],
                subject.image,
                *command[1:],
            ],
            capture_output=True,
        )
        if done.returncode != 0:
            tail = done.stdout.decode(errors="replace")[-500:]
            bench.warnings.append(f"naive run of {subject.id} exited {done.returncode}: {tail}")
    finally:
        shutil.rmtree(checkout, ignore_errors=True)
    return time.perf_counter() - started


def naive_throughput(bench: Bench, subject: Subject, jobs: int, lanes: int) -> float:
    """The wall time of ``jobs`` naive gradings over ``lanes`` concurrent lanes."""
    per_lane = [jobs // lanes + (1 if i < jobs % lanes else 0) for i in range(lanes)]

    def lane(count: int) -> None:
        for _ in range(count):
            naive_once(bench, subject)

    started = time.perf_counter()
    threads = [threading.Thread(target=lane, args=(n,)) for n in per_lane]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started
