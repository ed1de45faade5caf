"""Attacks on Node's process isolation (rate-limiter-js, ``isolation = "process"``), for real.

The hidden tests run in processes of the grader's uid that never load the submission:
its modules load in a candidate process (uid 10002) and the tests reach them through
handles (grader/runner/node_trusted.cjs, node_values.cjs). Every forger that beat or
came close to beating the second line in ``shared`` mode (test_attacks_node.py,
test_attacks_node_mirrors.py: up to 94.3 on the unchanged starter) finds no assertion,
no test and no stdout of the tests' to reach here, and forges nothing. The red team's
first round against the isolation itself is here too.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from grader.config import PROJECT_ROOT
from tests.attacks.helpers import (
    GraderEnv,
    Outcome,
    check_graded_nothing_passed,
    describe,
    git,
)
from tests.attacks.test_attacks_node import NODE, load_forge

pytestmark = pytest.mark.docker

SOLUTION = PROJECT_ROOT / "challenges" / NODE / "solution" / "src"

GradeIn = Callable[[str, str | None, Callable[[Path], None] | None], Outcome]

SHARED_MODE_FORGERS = [
    "node-strict-assert-noop",
    "node-assert-spares-controls",
    "node-assert-spares-named-tests",
    "node-assert-honest-on-literals",
    "node-stdout-flips-failures",
    "node-assert-spares-duplicates",
]


def check_isolated_forgery_fails(env: GraderEnv, outcome: Outcome) -> None:
    """Graded under the guarantee, and nothing passed: what the unchanged starter gets."""
    integrity = outcome.report.integrity
    assert integrity["mode"] == "process" and integrity["guarantee"] is True, describe(outcome)
    assert integrity["candidate_processes"] >= 1, describe(outcome)
    check_graded_nothing_passed(env, outcome)


@pytest.mark.parametrize("attack", SHARED_MODE_FORGERS)
def test_node_forgers_of_the_shared_mode_forge_nothing_in_isolation(
    catalogue_env: Callable[[str], GraderEnv], grade_in: GradeIn, attack: str
) -> None:
    """Each patches node:assert, node:test or the test child's stdout in its own process,
    or reads the test files' source to tell mirrors apart: in isolation that process runs
    no test and writes no result. node-assert-spares-duplicates, still an xfail at 86.3
    in shared mode, and node-stdout-flips-failures (94.3 before mirrors) pass nothing."""
    outcome = grade_in(NODE, attack, load_forge)
    check_isolated_forgery_fails(catalogue_env(NODE), outcome)


def load_escape(repo: Path) -> None:
    """The red team's resolve escape: src/limiter.js and src/cache.js become folders whose
    package.json's "main" names a file in /tmp that does not exist yet, with an index.js
    beside it (the starter's module, plus a dropper). The first test file's require falls
    back to index.js, which loads in the candidate process and writes the /tmp files; a
    later test file's require then resolved to /tmp, outside the working tree, which the
    first version loaded in the tests' own process: the payload there turned failures into
    passes on stdout (12 of 20 forged in the red team's harness)."""
    for name in ("limiter.js", "cache.js"):
        module = repo / "src" / name
        starter = module.read_text()
        git(repo, "rm", "-q", "--cached", f"src/{name}")
        module.unlink()
        module.mkdir()
        (module / "starter.js").write_text(starter)
        stem = name.removesuffix(".js")
        (module / "package.json").write_text(json.dumps({"main": f"/tmp/rt-evil-{stem}.js"}))
        (module / "index.js").write_text(
            "'use strict';\nrequire('../dropper.js');\nmodule.exports = require('./starter.js');\n"
        )
    git(repo, "add", "-f", "src")


def test_a_submission_resolving_into_tmp_still_loads_in_its_own_process(
    catalogue_env: Callable[[str], GraderEnv], grade_in: GradeIn
) -> None:
    """Now the tests' process loads only the hidden suite, the runner and the image's
    modules itself; whatever else a require resolves to loads in the candidate process."""
    outcome = grade_in(NODE, "node-resolve-escape", load_escape)
    check_isolated_forgery_fails(catalogue_env(NODE), outcome)


def load_pending_promise(repo: Path) -> None:
    """The reference solution, with a failed load turned into a promise nothing settles."""
    for module in ("limiter.js", "cache.js"):
        shutil.copy(SOLUTION / module, repo / "src" / module)
    cache = repo / "src" / "cache.js"
    loading = "      .then(() => loader(key))\n"
    source = cache.read_text()
    assert loading in source, "the solution's getOrLoad changed: update this bug"
    never = "      .catch(() => new Promise(() => {}))\n"
    cache.write_text(source.replace(loading, loading + never))
    git(repo, "add", "src")


def test_a_promise_never_settled_costs_only_the_tests_awaiting_it(
    catalogue_env: Callable[[str], GraderEnv], grade_in: GradeIn
) -> None:
    """Not hostile, and the red team's second round: the reference solution with one honest
    bug (a failed load leaves its callers waiting forever). Graded shared it scores 85.2,
    18 of 20 passed; in isolation it once held the tests' process until the time limit
    (29.1: limiter.test.js, run after cache.test.js, never reached). The submission's
    process now says when it is idle, and only the two tests awaiting the load fail."""
    outcome = grade_in(NODE, None, load_pending_promise)
    env = catalogue_env(NODE)
    assert outcome.report.status == "graded", describe(outcome)
    assert outcome.report.integrity["guarantee"] is True, describe(outcome)
    passed = set(outcome.passed())
    later_file = {t for t in env.prepared.test_ids if t.startswith("hidden/limiter.test.js")}
    assert later_file <= passed, describe(outcome)
    assert len(passed) == len(env.prepared.test_ids) - 2, describe(outcome)
