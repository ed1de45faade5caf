"""Report stage: the report model (contract §3), its JSON, and a human rendering.

The JSON always carries the contract's fields; everything else (notes,
timings, version-control detail, the bounded test output) is an extension that
readers of schema 1 may ignore.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

SCHEMA = 1


class Status(StrEnum):
    """A grading's verdict (contract §3): scored, caught forging, or not gradable."""

    GRADED = "graded"
    TAMPERED = "tampered"
    ERROR = "error"


class Outcome(StrEnum):
    """One hidden test's outcome (contract §3)."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    TIMEOUT = "timeout"


class SkillReport(BaseModel):
    score: float
    weight: float
    passed: int | None = None
    total: int | None = None
    findings: list[dict[str, Any]] | None = None


class TestReport(BaseModel):
    __test__ = False  # not a pytest test class

    id: str
    skill: str
    outcome: Outcome
    duration_s: float
    message: str = ""
    # A rerun test (grader/flaky.py): every run's outcome, first run first; ``outcome`` is
    # what the challenge's rule decided from them. Absent when the test ran once.
    runs: list[Outcome] | None = None
    flaky: bool = False


class ChallengeRef(BaseModel):
    id: str
    commit: str | None
    title: str | None = None
    version: str | None = None


class SandboxRef(BaseModel):
    image: str
    digest: str
    runtime: str = "runc"
    services: dict[str, dict[str, str]] = {}  # kind -> image, digest, version ([services])


class SubmissionRef(BaseModel):
    repo: str
    commit: str
    ref: str | None = None
    tree: str | None = None  # the commit's git tree hash: the same code has the same tree


class Report(BaseModel):
    schema_: int = Field(SCHEMA, alias="schema")
    status: Status
    overall: float
    skills: dict[str, SkillReport]
    tests: list[TestReport]
    challenge: ChallengeRef
    sandbox: SandboxRef
    submission: SubmissionRef
    notes: list[str] = []
    removed_files: list[str] = []
    timings: dict[str, float] = {}
    output: dict[str, Any] = {}
    history: dict[str, Any] | None = None
    integrity: dict[str, Any] = {}
    grader_version: str = ""
    graded_at: str = ""

    model_config = {"populate_by_name": True}

    def to_dict(self) -> dict[str, Any]:
        data = self.model_dump(by_alias=True, exclude_none=False)
        # Test skills have passed/total, version_control has findings: omit the other's nulls.
        data["skills"] = {
            name: {k: _plain(v) if k == "weight" else v for k, v in skill.items() if v is not None}
            for name, skill in data["skills"].items()
        }
        for test in data["tests"]:  # a test that ran once carries no rerun fields
            if not test.get("runs"):
                test.pop("runs", None)
                test.pop("flaky", None)
        return data

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)


def _integrity_lines(integrity: dict[str, Any]) -> list[str]:
    if not integrity:
        return []
    mode = integrity.get("mode")
    where = (
        "the submission ran in its own process, apart from the tests"
        if mode == "process"
        else "the submission ran in the test process; tripwires guard the outcomes"
    )
    lines = ["", f"isolation: {mode} ({where})"]
    for signal in integrity.get("signals") or []:
        lines.append(f"  signal  {signal['file']}:{signal['line']}: {signal['signal']}")
    for where in integrity.get("outside") or []:
        lines.append(f"  outside {where}: the test starts a process and believes its output")
    for note in integrity.get("observed") or []:
        kind = "evidence" if note.get("evidence") else "seen"
        where = f"{note['file']}:{note['line']}" if note.get("file") else "the runner"
        lines.append(f"  {kind:<8}{where}: {note['signal']} ({note['text']})")
    return lines


def render_text(report: Report) -> str:
    """The human rendering: status, a table of skills, then what failed and why."""
    lines = [
        f"{report.challenge.id} @ {_short(report.challenge.commit)}  ·  "
        f"{report.submission.repo} @ {_short(report.submission.commit)}",
        f"status: {report.status}    overall: {report.overall:.1f}",
        "",
    ]
    lines.append(f"  {'skill':<16} {'score':>6}  {'weight':>6}  detail")
    for name, skill in report.skills.items():
        detail = (
            f"{skill.passed}/{skill.total} tests"
            if skill.total is not None
            else f"{len(skill.findings or [])} findings"
        )
        lines.append(f"  {name:<16} {skill.score:>6.1f}  {skill.weight:>6g}  {detail}")
    failing = [t for t in report.tests if t.outcome != "passed"]
    if failing:
        lines += ["", f"not passed ({len(failing)} of {len(report.tests)}):"]
        for test in failing:
            reason = headline(test.message)
            lines.append(f"  {test.outcome:<8} {test.id}{': ' + reason if reason else ''}")
    reran = [t for t in report.tests if t.runs]
    if reran:
        lines += ["", f"rerun after a failure ({len(reran)}):"]
        for test in reran:
            runs = ", ".join(str(r) for r in test.runs or [])
            flaky = "flaky, " if test.flaky else ""
            lines.append(f"  {test.outcome:<8} {test.id} ({flaky}runs: {runs})")
    vc = report.skills.get("version_control")
    if vc and vc.findings:
        lines += ["", "version control:"]
        for finding in vc.findings[:15]:
            effect = finding.get("effect")
            sign = f"{effect:+.1f}" if isinstance(effect, int | float) else "   "
            lines.append(
                f"  {sign:>6} {finding.get('rule')}: {finding.get('message')} "
                f"[{_short(finding.get('commit'))}]"
            )
        if len(vc.findings) > 15:
            lines.append(f"  ... and {len(vc.findings) - 15} more")
    lines += _integrity_lines(report.integrity)
    if report.notes:
        lines += ["", "notes:"] + [f"  - {note}" for note in report.notes]
    return "\n".join(lines)


def headline(message: str) -> str:
    """The most telling line of a failure: pytest's first ``E`` line, else the last line."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("E ")]
    return (errors[0] if errors else lines[-1] if lines else "")[:120]


def _plain(value: Any) -> Any:
    """2.0 -> 2, so integral weights read as the manifest wrote them."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _short(sha: str | None) -> str:
    return sha[:10] if sha else "-"
