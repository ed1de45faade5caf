"""The report's ``integrity`` section: how a grading was isolated, and what looks suspicious.

The guarantee comes from isolation (docs/sandbox.md): in ``process`` mode the
submission's code never runs where outcomes are decided. This module is the
second line's static read: it looks through the submission's Python files
for code that reaches into a test framework or into its callers (imports of
``_pytest`` or ``pluggy``, the grader's runner modules, frame walking, ``gc``
referrers, ``ctypes``, reading test sources or the hidden folder), and through
its Node files for the same in Node's terms (``node:test`` or ``assert``
patched, ``process.stdout.write`` replaced, ``require.cache``, stack walking). A signal is
evidence for a reviewer, with its file and line; it never changes a score and
never makes a grading ``tampered`` on its own: honest code may use ``ctypes``.
"""

from __future__ import annotations

import io
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

MAX_FILE_BYTES = 1 << 20
MAX_SIGNALS = 50

SIGNALS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("imports the test framework's internals", r"^\s*(from|import)\s+(_pytest|pluggy)\b"),
        (
            "imports the grader's runner",
            r"\b(grader_(?:plugin|wire\w*|isolation|trusted_\w+|imports|audit)|supervise\w*"
            r"|suite_(?:python|node|java))\b",
        ),
        (
            "walks the call stack",
            r"\bsys\._getframe\b|\binspect\.(stack|currentframe)\b|\.f_back\b",
        ),
        ("searches the garbage collector", r"\bgc\.(get_referrers|get_objects|get_referents)\b"),
        ("uses ctypes", r"^\s*(from|import)\s+ctypes\b"),
        ("reads test sources", r"\binspect\.getsource(lines)?\b"),
        ("reaches for the hidden tests", r"/work/hidden|['\"]hidden/"),
        ("reaches into other processes", r"/proc/(\d+|1|self/fd)|\bptrace\b"),
    )
)


# The same for a Node submission: what reaches into node:test, the assertion module, the
# stdout node --test reads results from, the module system or the call stack of the tests.
NODE_SIGNALS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        (
            "patches the test framework or the assertions",
            r"""require\(\s*['"](node:)?(test|assert(/strict)?)['"]\s*\)\s*\.\s*\w+\s*=(?!=)"""
            r"|\bassert\w*\s*\.\s*\w+\s*=(?!=)",
        ),
        ("rewrites the process's output", r"\bprocess\.(stdout|stderr)\.write\s*=(?!=)"),
        (
            "reaches into the module system",
            r"\brequire\.cache\b|\bModule\._(load|resolveFilename|extensions|cache)\b",
        ),
        (
            "walks the call stack",
            r"\bError\.(prepareStackTrace|captureStackTrace)\b|\.stack\.split",
        ),
        ("reaches for the hidden tests", r"/work/hidden|['\"`]\.{0,2}/?hidden/"),
        ("reaches into other processes", r"/proc/(\d+|1|self/fd)|\bprocess\.binding\b"),
        ("reads the grader's runner", r"/opt/grader|node_(trusted|candidate|link|values|reporter)"),
    )
)
NODE_SUFFIXES = (".js", ".cjs", ".mjs", ".ts")
# Outside the candidate's own test files, code has no use for the test framework or the
# assertion module: loading them there is how every Node forger began.
NODE_TEST_FILE = re.compile(r"(^|/)(tests?|__tests__)/|\.(test|spec)\.[cm]?[jt]s$")
NODE_LOADS_TEST_MODULES = (
    "loads the test framework or the assertions outside a test file",
    re.compile(r"""(require\(\s*|from\s+|import\(\s*)['"](node:)?(test|assert(/strict)?)['"]"""),
)


# A hidden test that starts a process runs whatever that process imports (the submission,
# say) as the tests' uid, and believes what it prints: outside the isolation guarantee.
PROCESS_STARTS = re.compile(
    r"\bsubprocess\.|\bos\.(system|popen|exec\w*|spawn\w*|fork)\b|\bmultiprocessing\b"
    r"|\bconcurrent\.futures\.ProcessPoolExecutor\b|\bProcessPoolExecutor\b"
)
# The same in a Node suite: child_process (or a worker, whose module loads in the tests'
# process, the submission's included).
NODE_PROCESS_STARTS = re.compile(r"""['"](node:)?(child_process|worker_threads|cluster)['"]""")
PROCESS_STARTS_BY_SUFFIX = {
    ".py": PROCESS_STARTS,
    ".js": NODE_PROCESS_STARTS,
    ".cjs": NODE_PROCESS_STARTS,
    ".mjs": NODE_PROCESS_STARTS,
}


@dataclass(frozen=True)
class Signal:
    file: str
    line: int
    signal: str
    text: str

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "signal": self.signal, "text": self.text}


def scan_tar(tar_bytes: bytes) -> list[Signal]:
    """Signals in the Python files of a working tree (the tar a sandbox receives)."""
    found: list[Signal] = []
    with tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r:") as archive:
        for member in archive:
            if not (member.isfile() and member.name.endswith((".py", *NODE_SUFFIXES))):
                continue
            if "node_modules/" in member.name:
                continue  # installed packages, not the candidate's own code
            if member.size > MAX_FILE_BYTES or member.name.startswith(("hidden/", "./hidden/")):
                continue
            handle = archive.extractfile(member)
            if handle is None:
                continue
            text = handle.read().decode("utf-8", "replace")
            found += scan_source(member.name.removeprefix("./"), text)
            if len(found) >= MAX_SIGNALS:
                return found[:MAX_SIGNALS]
    return found


def scan_source(path: str, text: str) -> list[Signal]:
    signals = SIGNALS
    if path.endswith(NODE_SUFFIXES):
        signals = NODE_SIGNALS
        if not NODE_TEST_FILE.search(path):
            signals = (*NODE_SIGNALS, NODE_LOADS_TEST_MODULES)
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for name, pattern in signals:
            if pattern.search(line):
                found.append(Signal(path, number, name, line.strip()[:200]))
    return found


def outside_guarantee(hidden_dir: Path) -> list[Signal]:
    """The lines of a hidden suite that start processes, whose outcomes the isolation does
    not cover (docs/sandbox.md): a challenge's author and its reviewers are told."""
    found = []
    for path in sorted(hidden_dir.rglob("*")):
        pattern = PROCESS_STARTS_BY_SUFFIX.get(path.suffix)
        if pattern is None or "__pycache__" in path.parts or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        relative = f"hidden/{path.relative_to(hidden_dir).as_posix()}"
        for number, line in enumerate(text.splitlines(), 1):
            if pattern.search(line) and not line.lstrip().startswith(("#", "//")):
                found.append(Signal(relative, number, "starts a process", line.strip()[:200]))
                break  # one line a file says it: the file's tests are the ones to read
    return found[:MAX_SIGNALS]


def section(
    mode: str,
    signals: list[Signal],
    candidate_processes: int | None,
    observed: list[dict[str, object]] | None = None,
    outside: list[Signal] | None = None,
) -> dict[str, object]:
    """The report's ``integrity``: the isolation mode, whether the guarantee applied, the
    static signals and what the audit hooks observed while the tests ran (``observed``,
    each a note of runner/grader_audit.py: evidence there already made the grading
    ``tampered``)."""
    return {
        "mode": mode,
        "guarantee": mode == "process",
        "candidate_processes": candidate_processes,
        "signals": [s.as_dict() for s in signals],
        "observed": list(observed or []),
        # hidden tests whose outcome rests on a process they start (see outside_guarantee)
        "outside": [f"{s.file}:{s.line}" for s in outside or []] if mode == "process" else [],
    }
