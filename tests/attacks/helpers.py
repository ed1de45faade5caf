"""Helpers for the attack suite: real repositories, the real pipeline, real sandboxes.

Every attack builds a git repository from the word-frequency starter plus the
files in ``submissions/<attack>/`` (and, for what cannot live in this repository
as a file, a ``setup`` callable), grades it in this process exactly as
``grader grade`` does, and then checks the verdict, the time it took and that
the host is clean.

The submission trees are hostile on purpose (conftest.py files, a pytest.py,
sitecustomize.py ...): ``collect_ignore`` in conftest.py keeps this test run
from ever collecting or importing them.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from grader.config import PROJECT_ROOT, Settings
from grader.sandbox import RunArtifacts
from tests.support.git import ISOLATED, git_bytes, identity

HERE = Path(__file__).resolve().parent
SUBMISSIONS = HERE / "submissions"
CHALLENGE_DIR = PROJECT_ROOT / "challenges" / "word-frequency"
WALL_MARGIN_S = 20.0
TEST_SKILLS = ("programming", "performance")

GIT_ENV = {
    **identity("Attacker", "attacker@example.com"),
    **ISOLATED,
    "GIT_AUTHOR_DATE": "2024-01-01T12:00:00+00:00",
    "GIT_COMMITTER_DATE": "2024-01-01T12:00:00+00:00",
}


def git(repo: Path, *args: str, input_bytes: bytes | None = None) -> bytes:
    """git as the attacker, at a fixed date; its output as bytes (GitFailed if it fails)."""
    options = ["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"]
    return git_bytes(repo, [*options, *args], GIT_ENV, input_bytes)


def build_repo(
    dest: Path,
    attack: str | None,
    setup: Callable[[Path], None] | None = None,
    challenge_dir: Path = CHALLENGE_DIR,
) -> Path:
    """starter/ + submissions/<attack>/ (+ setup(dest)), committed once with a fixed author.

    ``setup`` runs in the new repository after everything else is staged; it stages
    what it creates itself (git add, update-index).
    """
    shutil.copytree(challenge_dir / "starter", dest, symlinks=True)
    if attack is not None:
        source = SUBMISSIONS / attack
        assert source.is_dir(), f"no submission tree for attack {attack}"
        shutil.copytree(
            source,
            dest,
            symlinks=True,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    git(dest, "init", "-q")
    git(dest, "add", "-A", "-f")
    if setup is not None:  # after `add -A`, so entries it puts in the index stay there
        setup(dest)
    git(dest, "commit", "-q", "--allow-empty", "-m", f"attack: {attack}")
    return dest


@dataclass
class GraderEnv:
    settings: Settings
    prepared: Any
    sandbox: Any
    engine: Any

    @property
    def timeout_s(self) -> float:
        return float(self.prepared.challenge.limits.timeout_s)

    @property
    def tmp_dir(self) -> Path:
        return self.settings.data_dir / "tmp"


@dataclass
class Outcome:
    report: Any
    artifacts: RunArtifacts | None
    seconds: float

    def outcomes(self) -> dict[str, str]:
        return {t.id: t.outcome for t in self.report.tests}

    def passed(self) -> list[str]:
        return [t.id for t in self.report.tests if t.outcome == "passed"]

    def messages(self) -> str:
        return "\n".join(t.message for t in self.report.tests)


# ---------------------------------------------------------------------------
# Assertions shared by the attacks.
# ---------------------------------------------------------------------------


def sandbox_containers() -> list[str]:
    """Every grader sandbox on this engine (label grader.sandbox), running or not."""
    done = subprocess.run(
        ["docker", "ps", "-a", "--filter", "label=grader.sandbox", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.split()


def my_sandbox_containers(env: GraderEnv) -> list[str]:
    """The sandboxes among them that this suite started: their hidden/ comes from its data dir.

    Other test runs (or a worker) may grade at the same time on the same engine;
    their containers are not this suite's leaks.
    """
    ids = sandbox_containers()
    if not ids:
        return []
    done = subprocess.run(
        ["docker", "inspect", "--format", "{{.Id}} {{range .Mounts}}{{.Source}} {{end}}", *ids],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,  # a container may vanish between ps and inspect
    )
    mine = str(env.settings.data_dir)
    return [line.split()[0][:12] for line in done.stdout.splitlines() if mine in line]


def assert_host_clean(env: GraderEnv) -> None:
    assert my_sandbox_containers(env) == [], "a sandbox container was left behind"
    left = sorted(p.name for p in env.tmp_dir.glob("grading-*")) if env.tmp_dir.exists() else []
    assert left == [], f"grading folders left in {env.tmp_dir}: {left}"


def assert_in_time(env: GraderEnv, outcome: Outcome) -> None:
    bound = env.timeout_s + WALL_MARGIN_S
    assert outcome.seconds < bound, f"grading took {outcome.seconds:.1f}s (bound {bound:.0f}s)"


def assert_nothing_passed(outcome: Outcome) -> None:
    """A submission that solves nothing: no test passed, test skills 0, overall only from VC."""
    report = outcome.report
    assert outcome.passed() == [], f"tests reported passed: {outcome.passed()}"
    for skill in TEST_SKILLS:
        assert report.skills[skill].score == 0, (skill, report.skills[skill])
    vc = report.skills.get("version_control")
    if vc is None:
        assert report.overall == 0
    else:
        total = sum(s.weight for s in report.skills.values() if s.weight > 0)
        assert report.overall == pytest.approx(round(vc.score * vc.weight / total, 1), abs=0.1)


def assert_expected_ids(env: GraderEnv, outcome: Outcome) -> None:
    """The report lists exactly the hidden suite's tests: nothing added, nothing lost."""
    assert [t.id for t in outcome.report.tests] == env.prepared.test_ids


def describe(outcome: Outcome) -> str:
    """Everything useful when an attack's assertion fails."""
    report = outcome.report
    lines = [
        f"status={report.status} overall={report.overall} seconds={outcome.seconds:.1f}",
        f"notes={report.notes}",
        f"removed={report.removed_files}",
    ]
    lines += [f"  {t.outcome:8} {t.id}: {t.message[:200]!r}" for t in report.tests]
    if outcome.artifacts is not None:
        a = outcome.artifacts
        lines.append(
            f"frame_found={a.frame_found} exit={a.exit_code} timed_out={a.timed_out} "
            f"killed_by_host={a.killed_by_host} oom={a.oom_killed} "
            f"container_exit={a.container_exit} error={a.supervisor_error}"
        )
    return "\n".join(lines)


def probes(outcome: Outcome) -> dict[str, Any]:
    """What a probing submission saw in the sandbox, from its tests' failure messages."""
    import json
    import re

    for test in outcome.report.tests:
        found = re.search(r"PROBES (\{.*\})", test.message)
        if found:
            return dict(json.loads(found.group(1)))
    raise AssertionError("no PROBES in any test message:\n" + describe(outcome))


# -- verdicts shared by the attack modules -------------------------------------------
Grade = Callable[..., Outcome]


def check_graded_nothing_passed(env: GraderEnv, outcome: Outcome) -> None:
    """The common verdict: a real grading, in time, nothing passed, the host clean."""
    assert outcome.report.status == "graded", describe(outcome)
    assert_expected_ids(env, outcome)
    assert_nothing_passed(outcome)
    assert_in_time(env, outcome)
    assert_host_clean(env)


def check_tampered(env: GraderEnv, outcome: Outcome) -> None:
    assert outcome.report.status == "tampered", describe(outcome)
    assert_expected_ids(env, outcome)
    for skill in TEST_SKILLS:
        assert outcome.report.skills[skill].score == 0, describe(outcome)
    assert_in_time(env, outcome)
    assert_host_clean(env)


def check_forgery_fails(
    env: GraderEnv, outcome: Outcome, skills: Iterable[str] = TEST_SKILLS
) -> None:
    """A forgery either is caught (tampered, the test ``skills`` 0) or forges nothing
    (nothing passed)."""
    report = outcome.report
    assert_in_time(env, outcome)
    assert_host_clean(env)
    assert_expected_ids(env, outcome)
    if report.status == "tampered":
        for skill in skills:
            assert report.skills[skill].score == 0, describe(outcome)
    else:
        assert outcome.passed() == [], "forged passes were accepted:\n" + describe(outcome)


def check_shared_forgery_fails(env: GraderEnv, outcome: Outcome) -> None:
    """check_forgery_fails for another catalogue challenge graded ``shared`` (Java, Node):
    every skill but version control is a test skill there, and an attack that is not
    caught must leave the grading ``graded`` (never our infrastructure's fault)."""
    assert outcome.report.integrity["mode"] == "shared", describe(outcome)
    assert outcome.report.status in ("graded", "tampered"), describe(outcome)
    skills = [name for name in outcome.report.skills if name != "version_control"]
    check_forgery_fails(env, outcome, skills)
