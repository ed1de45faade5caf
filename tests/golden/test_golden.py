"""Golden cases: submissions with their expected reports.

Each folder under ``tests/golden/<challenge>/<case>/`` holds ``files/`` (laid
over the challenge's starter, or over its solution when ``files/.from-solution``
exists; a file named ``.delete-NAME`` deletes NAME) and
``expected.json`` (status, scores and every test's outcome), plus
``artifacts.json``: the sandbox's saved output from the run that made it.
Two tests per case: a real grading in Docker must give the expected report,
and re-scoring the saved artifacts without Docker (grader.rescore, as
``grader rescore`` does) must give it too.
``make golden`` regenerates the files; review the diff before committing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from grader import rescore
from grader.challenge import load_challenge
from grader.config import PROJECT_ROOT, get_settings
from grader.fetch import FetchPolicy
from grader.history import HistoryResult
from grader.pipeline import grade
from tests.conftest import make_repo

HERE = Path(__file__).parent
CASES = sorted(p for p in HERE.glob("*/*") if (p / "files").is_dir())
REGENERATE = os.environ.get("GRADER_REGENERATE_GOLDEN") == "1"
FROM_SOLUTION = ".from-solution"


def case_id(case: Path) -> str:
    return f"{case.parent.name}/{case.name}"


def submission(case: Path, dest: Path) -> Path:
    challenge_root = PROJECT_ROOT / "challenges" / case.parent.name
    changes: dict[str, str | bytes | None] = {}
    if (case / "files" / FROM_SOLUTION).is_file():  # the reference solution, then the files
        solution = challenge_root / "solution"
        for path in sorted(p for p in solution.rglob("*") if p.is_file()):
            changes[path.relative_to(solution).as_posix()] = path.read_bytes()
    for path in sorted((case / "files").rglob("*")):
        if path.is_dir() or path.name in (".keep", FROM_SOLUTION):
            continue
        relative = path.relative_to(case / "files").as_posix()
        if path.name.startswith(".delete-"):
            changes[str(Path(relative).parent / path.name[len(".delete-") :])] = None
        else:
            changes[relative] = path.read_bytes()
    return make_repo(
        dest, [(f"Solve the task ({case.name})", changes)], base=challenge_root / "starter"
    )


def summary(
    status: str, total: float, skills: dict[str, float], vc: float | None, tests: dict[str, str]
) -> dict[str, Any]:
    return {
        "status": status,
        "overall": total,
        "skills": skills,
        "version_control": vc,
        "tests": tests,
    }


@pytest.mark.docker
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_grading_matches_the_golden_report(case: Path, tmp_path: Path, docker_services) -> None:  # type: ignore[no-untyped-def]
    from grader.prepare import prepare

    builder, sandbox = docker_services
    settings = get_settings()
    prepared = prepare(
        load_challenge(PROJECT_ROOT / "challenges" / case.parent.name), builder, sandbox, settings
    )
    repo = submission(case, tmp_path / "repo")
    grading = grade(
        prepared,
        str(repo),
        None,
        settings=settings,
        sandbox=sandbox,
        policy=FetchPolicy(allow_local=True),
    )
    report = grading.report
    vc = report.skills.get("version_control")
    got = summary(
        report.status,
        report.overall,
        {name: s.score for name, s in report.skills.items() if s.total is not None},
        vc.score if vc else None,
        {t.id: t.outcome for t in report.tests},
    )
    if REGENERATE:
        (case / "expected.json").write_text(json.dumps(got, indent=2) + "\n")
        assert grading.artifacts is not None
        (case / "artifacts.json").write_text(
            json.dumps(
                {
                    "test_ids": prepared.test_ids,
                    "tripwires": [{"id": w.id, "expected": w.expected} for w in grading.tripwires],
                    "artifacts": json.loads(grading.artifacts.to_json()),
                },
                indent=1,
            )
            + "\n"
        )
    assert got == json.loads((case / "expected.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_saved_artifacts_rescore_to_the_golden_report(case: Path) -> None:
    saved = rescore.SavedRun.from_dict(json.loads((case / "artifacts.json").read_text()))
    challenge = load_challenge(PROJECT_ROOT / "challenges" / case.parent.name)
    expected = json.loads((case / "expected.json").read_text())
    history = None
    if expected["version_control"] is not None:  # history is re-read from git, not saved
        history = HistoryResult(expected["version_control"], [], 0, None, [])
    report = rescore.score(challenge, saved, history)
    vc = report.skills.get("version_control")
    got = summary(
        report.status,
        report.overall,
        {name: s.score for name, s in report.skills.items() if s.total is not None},
        vc.score if vc else None,
        {t.id: t.outcome for t in report.tests},
    )
    assert got == expected
