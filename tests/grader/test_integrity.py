"""The report's integrity section and the static read of a submission (no Docker)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from grader import integrity
from grader.challenge import load_challenge
from grader.config import PROJECT_ROOT
from grader.languages import Isolation
from grader.prepare import PreparedChallenge
from grader.validate import Validation, _check_isolation
from tests.support.sandbox import tree


def test_signals_name_the_file_line_and_kind() -> None:
    files = tree(
        {
            "wordfreq.py": "import re\nimport _pytest.reports\nframe = sys._getframe(1)\n",
            "helpers/gcwalk.py": "import gc\nfor o in gc.get_objects(): pass\n",
            "hidden/test_x.py": "import _pytest\n",  # the grader's own folder is not read
            "notes.txt": "import _pytest\n",
        }
    )
    found = {(s.file, s.line, s.signal) for s in integrity.scan_tar(files)}
    assert found == {
        ("wordfreq.py", 2, "imports the test framework's internals"),
        ("wordfreq.py", 3, "walks the call stack"),
        ("helpers/gcwalk.py", 2, "searches the garbage collector"),
    }


def test_honest_code_has_no_signals() -> None:
    source = "import re\nfrom collections import Counter\n\ndef count(t):\n    return Counter(t)\n"
    assert integrity.scan_source("wordfreq.py", source) == []


def test_node_signals_name_what_reaches_into_the_tests() -> None:
    files = tree(
        {
            "src/forge.js": "'use strict';\n"
            "const strict = require('node:assert/strict');\n"
            "process.stdout.write = (chunk) => true;\n"
            "const lines = new Error().stack.split('\\n');\n"
            "delete require.cache[key];\n"
            "fs.readFileSync('/work/hidden/limiter.test.js');\n",
            "src/ok.js": "if (a == b) { process.stdout.write('x'); }\n",
            "test/limiter.test.js": "const assert = require('node:assert');\n",
            "node_modules/lib/index.js": "process.stdout.write = null;\n",
        }
    )
    found = {(s.file, s.line, s.signal) for s in integrity.scan_tar(files)}
    assert found == {
        ("src/forge.js", 2, "loads the test framework or the assertions outside a test file"),
        ("src/forge.js", 3, "rewrites the process's output"),
        ("src/forge.js", 4, "walks the call stack"),
        ("src/forge.js", 5, "reaches into the module system"),
        ("src/forge.js", 6, "reaches for the hidden tests"),
    }


def test_the_node_reference_solution_has_no_signals() -> None:
    solution = PROJECT_ROOT / "challenges" / "rate-limiter-js" / "solution" / "src"
    for module in sorted(solution.glob("*.js")):
        assert integrity.scan_source(f"src/{module.name}", module.read_text()) == []


def test_section_says_whether_the_guarantee_applied() -> None:
    signal = integrity.Signal("a.py", 1, "uses ctypes", "import ctypes")
    isolated = integrity.section("process", [signal], 1)
    assert isolated["guarantee"] is True and isolated["candidate_processes"] == 1
    assert isolated["signals"] == [
        {"file": "a.py", "line": 1, "signal": "uses ctypes", "text": "import ctypes"}
    ]
    assert integrity.section("shared", [], None)["guarantee"] is False


def test_hidden_tests_that_start_processes_are_named_once_a_file(tmp_path: Path) -> None:
    hidden = tmp_path / "hidden"
    (hidden / "sub").mkdir(parents=True)
    (hidden / "test_a.py").write_text("import os\n# subprocess.run is not called here\n")
    (hidden / "test_b.py").write_text("import subprocess\nsubprocess.run(['x'])\nos.fork()\n")
    (hidden / "sub" / "test_c.py").write_text("from multiprocessing import Pool\n")
    found = [(s.file, s.line) for s in integrity.outside_guarantee(hidden)]
    assert found == [("hidden/sub/test_c.py", 1), ("hidden/test_b.py", 2)]


def test_node_tests_that_start_processes_or_workers_are_named(tmp_path: Path) -> None:
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "a.test.js").write_text("// require('child_process') is not called\n")
    (hidden / "b.test.js").write_text("'use strict';\nconst cp = require('node:child_process');\n")
    (hidden / "c.test.mjs").write_text("import { Worker } from 'worker_threads';\n")
    (hidden / "d.py.txt").write_text("import subprocess\n")
    found = [(s.file, s.line) for s in integrity.outside_guarantee(hidden)]
    assert found == [("hidden/b.test.js", 2), ("hidden/c.test.mjs", 1)]


def test_validation_says_which_outcomes_the_isolation_does_not_cover() -> None:
    challenge = load_challenge(PROJECT_ROOT / "challenges" / "log-analytics")
    result = Validation()
    _check_isolation(PreparedChallenge(challenge, None, [], {}), result)  # type: ignore[arg-type]
    assert result.warnings == [
        "hidden/test_performance.py:61 starts a process: what it runs (the submission, if it "
        "imports it) runs as the tests' uid and the test believes what it reports; this "
        "test's outcome is outside the isolation guarantee"
    ]
    clean = Validation()
    word_frequency = load_challenge(PROJECT_ROOT / "challenges" / "word-frequency")
    _check_isolation(PreparedChallenge(word_frequency, None, [], {}), clean)  # type: ignore[arg-type]
    assert clean.warnings == []


def test_the_section_lists_what_is_outside_only_when_isolated() -> None:
    outside = [integrity.Signal("hidden/test_p.py", 9, "starts a process", "subprocess.run")]
    assert integrity.section("process", [], 3, [], outside)["outside"] == ["hidden/test_p.py:9"]
    assert integrity.section("shared", [], None, [], outside)["outside"] == []


def test_validation_offers_process_isolation_where_the_language_has_it() -> None:
    node = load_challenge(PROJECT_ROOT / "challenges" / "rate-limiter-js")
    shared_node = Validation()
    _check_isolation(
        PreparedChallenge(replace(node, isolation=Isolation.SHARED), None, [], {}),  # type: ignore[arg-type]
        shared_node,
    )
    assert len(shared_node.warnings) == 1
    assert 'node offers isolation = "process"' in shared_node.warnings[0]
    java = Validation()
    pricing = load_challenge(PROJECT_ROOT / "challenges" / "pricing-java")
    _check_isolation(PreparedChallenge(pricing, None, [], {}), java)  # type: ignore[arg-type]
    assert len(java.warnings) == 1 and "offers" not in java.warnings[0]
