"""The candidate's own tests (tests/ of their repository), graded as the `testing` skill.

They run with pytest, in a folder of their own, against the reference slug.py
(hidden/reference/): they must pass; then against each faulty one
(hidden/mutants/): they must fail. A mutant is a bug a good test suite
catches; add one for each bug you want the candidate's tests to catch.

`grader challenge validate` warns that this test starts a process, outside the
isolation guarantee: expected, since what it runs is the candidate's tests,
against code of yours.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HIDDEN = Path(__file__).resolve().parent
MUTANTS = sorted(path.stem for path in (HIDDEN / "mutants").glob("*.py"))


def run_own_tests(implementation: Path, work: Path) -> subprocess.CompletedProcess:
    tests = Path.cwd() / "tests"
    if not tests.is_dir():
        pytest.fail("no tests/ folder in your repository: write your tests there")
    shutil.copytree(tests, work / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(implementation, work / "slug.py")
    (work / "pytest.ini").write_text("[pytest]\npythonpath = .\n")
    # Neither the grader's pytest options nor its plugins: a plain pytest run.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHON"))}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return subprocess.run(
        [sys.executable, "-I", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", "pytest.ini"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.fixture(scope="module")
def on_reference(tmp_path_factory):
    return run_own_tests(HIDDEN / "reference" / "slug.py", tmp_path_factory.mktemp("reference"))


def test_your_tests_pass_on_a_correct_slugify(on_reference):
    assert on_reference.returncode == 0, (
        "your tests must pass on a correct slugify:\n" + on_reference.stdout[-2000:]
    )


@pytest.mark.parametrize("mutant", MUTANTS)
def test_your_tests_catch_a_slugify_that(mutant, on_reference, tmp_path):
    assert on_reference.returncode == 0, "your tests do not pass on a correct slugify"
    done = run_own_tests(HIDDEN / "mutants" / f"{mutant}.py", tmp_path)
    assert done.returncode == 1, (
        f"your tests did not catch a slugify that {mutant.replace('_', ' ')} "
        f"(pytest exit code {done.returncode})"
    )
