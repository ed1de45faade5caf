"""Red-team attacks on Node's second line (rate-limiter-js graded ``shared``), each for real.

rate-limiter-js is graded with ``isolation = "process"`` (test_attacks_node_isolation.py);
these attacks grade it ``shared``, as every Node challenge that does not opt in is: the
submission's module loads in the child process that ``node --test`` runs a hidden test
file in. What guards the outcomes there is the
control tests planted in the hidden files (grader/languages/node.py) and the results
channel only the reporter writes. Each attack is the rate-limiter-js starter (every
method throws) plus the files in ``submissions/node-<name>/``; no hidden test can pass
for real, so a forgery must end tampered (every test skill 0) or with nothing passed.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.attacks.helpers import GraderEnv, Outcome, check_shared_forgery_fails, describe, git

pytestmark = pytest.mark.docker

NODE = "rate-limiter-js"
SHARED = Path(__file__).parent / "submissions" / "_shared"

GradeIn = Callable[[str, str | None, Callable[[Path], None] | None], Outcome]


def load_forge(repo: Path) -> None:
    """The starter's modules, unchanged, each ending with a call to the attack's
    src/forge.js, which receives what the module exports; beside it, src/standin.js, what
    the red team's forgers share (submissions/_shared/standin.js)."""
    shutil.copy(SHARED / "standin.js", repo / "src" / "standin.js")
    git(repo, "add", "src/standin.js")
    for name in ("limiter.js", "cache.js"):
        module = repo / "src" / name
        module.write_text(module.read_text() + "\nrequire('./forge.js')(module.exports);\n")
        git(repo, "add", str(module))


def test_node_silenced_strict_assertions_are_caught(
    shared_catalogue_env: Callable[[str], GraderEnv], grade_shared_in: GradeIn
) -> None:
    """The hidden tests take their assertions from node:assert/strict; the submission
    turns every function of that module into a no-op and swallows what the starter's
    methods throw. It scored 27.9 (not tampered, 2 tests passed) while the control tests
    asserted through plain node:assert, a module object of their own; now they assert
    through the file's own assertion module, the must-fail control passes, and the
    grading is tampered."""
    outcome = grade_shared_in(NODE, "node-strict-assert-noop", load_forge)
    check_shared_forgery_fails(shared_catalogue_env(NODE), outcome)
    assert outcome.report.status == "tampered", describe(outcome)


def test_node_a_forger_that_recognises_the_controls_forges_nothing(
    shared_catalogue_env: Callable[[str], GraderEnv], grade_shared_in: GradeIn
) -> None:
    """The forger knows how controls are planted (a binding named assertCaseN): every
    assertion function asserts honestly when called from such a line and does nothing
    otherwise; the starter's methods swallow what they throw. It scored 42.9, not
    tampered, while the controls were the only second line. Mirrors (copies of real
    tests, through the file's own bindings, expecting another value) now pass under it,
    and the grading is tampered."""
    outcome = grade_shared_in(NODE, "node-assert-spares-controls", load_forge)
    check_shared_forgery_fails(shared_catalogue_env(NODE), outcome)
    assert outcome.report.status == "tampered", describe(outcome)
