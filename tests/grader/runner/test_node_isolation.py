"""Node's process isolation on the host, with real Node on both sides and PID 1's spawner.

The tests' side (runner/node_trusted.cjs) runs ``node --test`` on a small hidden suite;
PID 1's NodeLinkSpawner (runner/supervise_nodelink.py) starts the candidate host
(runner/node_candidate.cjs) for each test file. As root, both run under the sandbox's
uids, as in the image. The suites in node_isolation/ say what must hold: ``values``
what crosses and how (identity, getters, callbacks, plain data by value, errors of
this realm and of the submission's classes, promises both ways, a load started from a
microtask, a callback from a timer, a thenable, a promise never settled); ``hostile``
what the red team's first round tried (a hook set on the tests' function, an error
above one of the tests' built-ins, a module resolving outside the working tree, an ES
module import).
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

RUNNER = Path(__file__).resolve().parents[3] / "grader" / "runner"
CASES = Path(__file__).resolve().parent / "node_isolation"
NODE = shutil.which("node")
ROOT = os.geteuid() == 0

sys.path.insert(0, str(RUNNER))

import supervise_channels  # noqa: E402
import supervise_nodelink  # noqa: E402

pytestmark = pytest.mark.skipif(NODE is None, reason="needs node on the host")


@pytest.fixture
def place() -> Iterator[Path]:
    """A folder every uid may read (tmp_path's parents are root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="node-isolation-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def prepare(place: Path, case: Path) -> Path:
    runner = place / "runner"
    runner.mkdir()
    for file in RUNNER.glob("node_*"):
        shutil.copy(file, runner / file.name)
    work = place / "work"
    shutil.copytree(case, work)
    outside = place / "outside"
    outside.mkdir()
    outside.chmod(0o1777)
    for file in work.rglob("package.json"):
        file.write_text(file.read_text().replace("__OUTSIDE__", str(outside)))
    for path in [place, *place.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    outside.chmod(0o1777)
    links = place / "links"  # PID 1 makes its folder there as the tests' uid
    links.mkdir(mode=0o1777)
    links.chmod(0o1777)
    return work


def run_suite(place: Path, case: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, int]:
    """``node --test`` on the case's hidden files, served as PID 1 would; its output and
    the number of candidate processes started."""
    work = prepare(place, case)
    # the candidate processes' folder (/work in the image)
    monkeypatch.setattr(supervise_channels, "WORKDIR", str(work))
    runner = place / "runner"
    spawner = supervise_nodelink.NodeLinkSpawner(
        {}, host=(str(NODE), str(runner / "node_candidate.cjs")), parent=str(place / "links")
    )
    files = sorted(str(p.relative_to(work)) for p in (work / "hidden").iterdir())
    out_read, out_write = os.pipe()
    env = {
        **supervise_channels.SAFE_ENV,
        **spawner.test_env(),
        "GRADER_LINK_WORKDIR": str(work),
        "OUTSIDE": str(place / "outside"),
    }
    child = subprocess.Popen(
        [str(NODE), "--require", str(runner / "node_trusted.cjs"), "--test", *files],
        cwd=work,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=out_write,
        stderr=out_write,
        start_new_session=True,  # so its test files' processes go with it
        **supervise_channels.as_user(supervise_channels.GRADER_UID),
    )
    spawner.started(out_write)
    output = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([spawner.our_fd, out_read], [], [], 0.05)
            if spawner.our_fd in ready:
                spawner.serve()
            if out_read in ready:
                output += os.read(out_read, 1 << 16)
            if child.poll() is not None and out_read not in ready:
                break
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        for candidate in spawner.children:
            candidate.kill()
        spawner.close()
        os.close(out_read)
    return output.decode(errors="replace"), spawner.spawned


def summary(output: str) -> dict[str, int]:
    counts = {}
    for line in output.splitlines():
        for key in ("pass", "fail", "cancelled"):
            if line.startswith(f"# {key} "):
                counts[key] = int(line.split()[-1])
    return counts


def test_values_cross_as_the_tests_expect(place: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    output, spawned = run_suite(place, CASES / "values", monkeypatch)
    # pending.test.js awaits a promise the submission never settles: as node --test does
    # when the test and the submission share a process, that test is cancelled once
    # nothing is left to run, and the run ends (it waited for the time limit once).
    assert summary(output) == {"pass": 6, "fail": 0, "cancelled": 1}, output
    assert spawned == 2


def test_the_red_teams_first_round_finds_nothing_to_use(
    place: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output, spawned = run_suite(place, CASES / "hostile", monkeypatch)
    assert summary(output) == {"pass": 5, "fail": 0, "cancelled": 0}, output
    assert spawned == 1  # the ES module test file never asks for one


@pytest.mark.skipif(not ROOT, reason="the uids need root")
def test_the_submission_runs_under_the_candidates_uid(
    place: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = tmp_path / "case"
    (case / "src").mkdir(parents=True)
    (case / "hidden").mkdir()
    (case / "src" / "who.js").write_text("module.exports = () => process.getuid();\n")
    (case / "hidden" / "who.test.js").write_text(
        "const { test } = require('node:test');\n"
        "const assert = require('node:assert');\n"
        "const who = require('../src/who.js');\n"
        "test('uids', () => {\n"
        "  assert.equal(process.getuid(), 10001);\n"
        "  assert.equal(who(), 10002);\n"
        "});\n"
    )
    output, _ = run_suite(place, case, monkeypatch)
    assert summary(output) == {"pass": 1, "fail": 0, "cancelled": 0}, output
