"""The candidate's own tests (tests/ of the submission) must tell good code from bad.

For each implementation of the `inventory` package, the reference one and
faulty versions of it (mutants.toml), the candidate's tests are copied next to
it in a fresh temporary folder and pytest runs them there. The reference must
pass; every mutant must make some test fail.

All runs happen in one child process (`python -I`), which imports pytest once
and forks a fresh copy of itself per implementation: each run is isolated (its
own folder, sys.path and modules) without paying pytest's start-up each time.
"""

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

HIDDEN = Path(__file__).resolve().parent
REFERENCE = HIDDEN / "reference" / "inventory"
MUTANTS = tomllib.loads((HIDDEN / "mutants.toml").read_text(encoding="utf-8"))["mutant"]
RUN_TIMEOUT_S = 30

DRIVER = r"""
import json, os, signal, sys, time
sys.dont_write_bytecode = True
import pytest

def run(work, timeout):
    log = os.path.join(work, "pytest-output.txt")
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.chdir(work)
            sys.path.insert(0, work)
            code = int(pytest.main(["-p", "no:cacheprovider", "-q", "-x", "-c",
                                    os.path.join(work, "pytest.ini"), "--rootdir", work, "tests"]))
        except BaseException as exc:
            print("test run crashed:", repr(exc))
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            code = "timeout"
            break
        time.sleep(0.005)
    with open(log, encoding="utf-8", errors="replace") as f:
        output = f.read()[-3000:]
    return {"code": code, "output": output}

spec = json.load(open(sys.argv[1]))
results = {}
for name, work in spec["runs"]:
    results[name] = run(work, spec["timeout"])
    if name == "reference" and results[name]["code"] != 0:
        break  # mutants only mean something once the reference passes
json.dump(results, open(sys.argv[2], "w"))
"""


def _build(work: Path, tests: Path, mutant=None) -> Path:
    package = work / "inventory"
    package.mkdir(parents=True)
    for source in REFERENCE.glob("*.py"):
        (package / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    if mutant is not None:
        target = package / mutant["file"]
        text = target.read_text(encoding="utf-8")
        assert text.count(mutant["old"]) == 1, f"mutant {mutant['name']} does not apply"
        target.write_text(text.replace(mutant["old"], mutant["new"]), encoding="utf-8")
    shutil.copytree(tests, work / "tests", copy_function=shutil.copyfile,
                    ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc"))
    root_conftest = tests.parent / "conftest.py"
    if root_conftest.is_file():
        shutil.copyfile(root_conftest, work / "conftest.py")
    (work / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    return work


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    tests = Path.cwd() / "tests"
    if not tests.is_dir():
        return None
    base = tmp_path_factory.mktemp("own-tests")
    plan = [("reference", str(_build(base / "reference", tests)))]
    plan += [(m["name"], str(_build(base / m["name"], tests, m))) for m in MUTANTS]
    spec, results = base / "spec.json", base / "results.json"
    spec.write_text(json.dumps({"runs": plan, "timeout": RUN_TIMEOUT_S}), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHON"))}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    proc = subprocess.run([sys.executable, "-I", "-c", DRIVER, str(spec), str(results)],
                          cwd=base, env=env, capture_output=True, text=True,
                          timeout=RUN_TIMEOUT_S * (len(plan) + 1))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(results.read_text(encoding="utf-8"))


def _require_green_reference(runs):
    if runs is None:
        pytest.fail("no tests/ folder in the repository: write your tests there")
    reference = runs["reference"]
    if reference["code"] == 5:
        pytest.fail("tests/ holds no test that pytest collects")
    assert reference["code"] == 0, (
        "your tests must pass on the correct implementation "
        f"(pytest exit code {reference['code']}):\n{reference['output']}")


def test_own_tests_pass_on_the_reference(runs):
    _require_green_reference(runs)


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m["name"] for m in MUTANTS])
def test_catches_mutant(mutant, runs):
    _require_green_reference(runs)
    result = runs[mutant["name"]]
    assert result["code"] != 0, (
        f"all your tests passed on a faulty implementation ({mutant['name']} in {mutant['file']})")
    assert result["code"] == 1, (
        f"your tests crashed instead of failing (pytest exit code {result['code']}):\n"
        f"{result['output']}")
