"""Node.js: node:test in the sandbox; the submission in the test process unless isolated.

A Node challenge is graded ``shared`` (the submission's modules load in the
test files' processes) unless its manifest says ``[grading] isolation =
"process"``: then the test processes run as the grader's uid and load none of
the submission's code, which runs in candidate processes that PID 1 starts
under another uid (grader/runner/supervise_nodelink.py). Node 18's runner is
given each hidden test file (it does not search folders), and its control
tests are top-level ``test()`` calls appended to hidden test files, in the
module syntax (ESM or CommonJS) of the file they join, and mirrors of cheap
real tests (``grader.node_mirrors``). Node's image needs the grader's own
Debian base (the registry's Python image has no Node.js). The sandbox's side
is ``grader/runner/suite_node.py``.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from grader.languages.base import Base, Isolation, Language, LanguageSupport
from grader.node_mirrors import ASSERT_MODULE, plant_mirrors
from grader.tripwires import Tripwire, control_name

NODE_TEST_SUFFIXES = (".test.js", ".test.mjs", ".test.cjs")
ESM_IMPORT = re.compile(r"^\s*import\s", re.MULTILINE)


def assertion_module(source: str, rng: random.Random) -> str:
    """One of the assertion modules the file loads, or node:assert if it loads none. The
    control tests assert through the same module object, so a submission that silences the
    file's assertions (every function of node:assert/strict made a no-op, the red team's
    node-strict-assert-noop) silences the must-fail control too, and is tampered."""
    found = sorted(set(ASSERT_MODULE.findall(source)))
    return rng.choice(found) if found else "node:assert"


def _node_snippet(
    rng: random.Random, name: str, must_pass: bool, esm: bool, tag: int, module: str
) -> str:
    """``tag`` names the snippet's bindings: unique in its module, or an ES module with two
    tripwires would declare one import twice and fail to load, failing all its tests."""
    values = [rng.randint(2, 999) for _ in range(rng.randint(3, 6))]
    total = sum(values) if must_pass else sum(values) + rng.randint(1, 9)
    check = f"assertCase{tag}.strictEqual(values.reduce((a, b) => a + b, 0), {total});"
    if esm:  # import declarations are hoisted, so they may stand at the end of a module
        return (
            f"\nimport {{ test as testCase{tag} }} from 'node:test';\n"
            f"import assertCase{tag} from '{module}';\n\n"
            f"testCase{tag}({name!r}, () => {{\n  const values = {values!r};\n  {check}\n}});\n"
        )
    return (
        f"\n{{\n  const {{ test: testCase{tag} }} = require('node:test');\n"
        f"  const assertCase{tag} = require('{module}');\n\n"
        f"  testCase{tag}({name!r}, () => {{\n"
        f"    const values = {values!r};\n    {check}\n  }});\n}}\n"
    )


def _is_esm(module: Path, source: str) -> bool:
    if module.suffix in (".mjs", ".cjs"):
        return module.suffix == ".mjs"
    return bool(ESM_IMPORT.search(source)) and "require(" not in source


def test_files(folder: Path) -> list[Path]:
    """The Node test files under ``folder``, in a stable order."""
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.name.endswith(NODE_TEST_SUFFIXES)
    )


def plant_node(hidden_copy: Path, test_ids: Iterable[str], count: int = 2) -> list[Tripwire]:
    """Node's tripwires: top-level ``test()`` calls appended to hidden test files."""
    rng = random.Random(secrets.randbits(64))
    modules = test_files(hidden_copy)
    if not modules:
        return []
    taken = {test_id.split("::")[-1] for test_id in test_ids}
    tags: set[int] = set()
    planted: list[Tripwire] = []
    for index in range(count):
        module = rng.choice(modules)
        source = module.read_text(encoding="utf-8")
        name = control_name(rng, set())[len("test_") :].replace("_", " ")
        while name in taken:
            name += " again"
        taken.add(name)
        must_pass = index > 0 and rng.random() < 0.5
        tag = rng.randint(10, 9999)
        while tag in tags or f"Case{tag}" in source:
            tag = rng.randint(10, 9999)
        tags.add(tag)
        assertions = assertion_module(source, rng)
        snippet = _node_snippet(rng, name, must_pass, _is_esm(module, source), tag, assertions)
        module.write_text(source.rstrip("\n") + "\n" + snippet, encoding="utf-8")
        relative = module.relative_to(hidden_copy.parent).as_posix()
        planted.append(Tripwire(f"{relative}::{name}", "passed" if must_pass else "failed"))
    return planted


def suite_files(hidden_dir: Path) -> tuple[str, ...]:
    """Node's runner is given each hidden test file (Node 18 does not search folders);
    without explicit paths it would also run the candidate's own test files."""
    return tuple(
        sorted(p.relative_to(hidden_dir.parent).as_posix() for p in test_files(hidden_dir))
    )


def plant(
    hidden_copy: Path, test_ids: Sequence[str], durations: Mapping[str, float]
) -> list[Tripwire]:
    return plant_node(hidden_copy, test_ids) + plant_mirrors(
        hidden_copy, test_files(hidden_copy), test_ids, durations
    )


SUPPORT = LanguageSupport(
    language=Language.NODE,
    isolations=(Isolation.SHARED, Isolation.PROCESS),  # process: opt-in per challenge
    base=Base(offline=True),
    run_command="node",
    collect_command=None,
    suite_args=suite_files,
    plant=plant,
)
