"""What the reviewer pages show, built from the database and the reports.

Pure view models: the routes in api/routes/pages.py fetch and render, these
functions decide what a board, a report page and a comparison contain. Every
candidate they name, every repository and every report is shown through the
request's api/identity.py ``Identities`` (blind review).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from api import code, work
from api.identity import Identities, Shown
from grader.config import Settings
from grader.store import hosted, repo
from grader.store.models import ACTIVE, DecisionRow, SubmissionRow, SubmissionStatus
from grader.store.results import skill_names
from grader.timestamps import utc

STATUS_ORDER: dict[str, int] = {
    SubmissionStatus.RUNNING: 0,
    SubmissionStatus.QUEUED: 1,
    SubmissionStatus.ERROR: 2,
    SubmissionStatus.TAMPERED: 3,
    SubmissionStatus.GRADED: 4,
}
MIN_COMPARED, MAX_COMPARED = 2, 4  # more columns than four do not fit side by side
COLORS = ("#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626")


# -- a report ------------------------------------------------------------------------------
@dataclass
class TimelineCommit:
    sha: str
    subject: str | None = None
    pushed_at: datetime | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def effect(self) -> float:
        return round(sum(_effect(f) for f in self.findings), 1)


def _effect(finding: dict[str, Any]) -> float:
    value = finding.get("effect")
    return float(value) if isinstance(value, int | float) else 0.0


def _subject(sha: str, message: str) -> str | None:
    """A commit's subject, as the history findings quote it: <sha10> "subject"."""
    found = re.search(re.escape(sha[:10]) + r' "(.+?)"(?=[:;,.)]|\s|$)', message)
    return found.group(1) if found else None


def timeline(
    report: dict[str, Any], pushed: dict[str, datetime]
) -> tuple[list[dict[str, Any]], list[TimelineCommit]]:
    """The version-control findings: those about the whole history, and per commit.

    Commits are in the order they reached this server when they were pushed
    here, else in the order the findings name them (oldest first for most rules).
    """
    vc = (report.get("skills") or {}).get("version_control") or {}
    general: list[dict[str, Any]] = []
    commits: dict[str, TimelineCommit] = {}
    listed = (report.get("history") or {}).get("commits") or []
    for item in listed:  # every commit the candidate made, oldest first
        if isinstance(item, dict) and isinstance(item.get("sha"), str):
            commits[item["sha"]] = TimelineCommit(
                item["sha"], subject=item.get("subject"), pushed_at=pushed.get(item["sha"])
            )
    for finding in vc.get("findings") or []:
        sha = finding.get("commit")
        if not isinstance(sha, str) or not sha:
            general.append(finding)
            continue
        entry = commits.setdefault(sha, TimelineCommit(sha, pushed_at=pushed.get(sha)))
        entry.findings.append(finding)
        entry.subject = entry.subject or _subject(sha, str(finding.get("message", "")))
    ordered = list(commits.values())
    if not listed and ordered and all(c.pushed_at for c in ordered):
        ordered.sort(key=lambda c: utc(c.pushed_at) if c.pushed_at else datetime.min)
    return general, ordered


def chart_skills(report: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, skill in (report.get("skills") or {}).items():
        if not isinstance(skill, dict):
            continue
        detail = (
            f"{skill.get('passed')}/{skill.get('total')} tests"
            if skill.get("total") is not None
            else f"{len(skill.get('findings') or [])} findings"
        )
        score = skill.get("score") if isinstance(skill.get("score"), int | float) else 0.0
        out.append({"name": name, "score": score, "weight": skill.get("weight"), "detail": detail})
    return out


def outcome_counts(tests: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for test in tests:
        counts[str(test.get("outcome"))] = counts.get(str(test.get("outcome")), 0) + 1
    return counts


def report_context(
    session: Session, settings: Settings, ids: Identities, row: SubmissionRow
) -> dict[str, Any]:
    """What report.html shows; ``who`` is the candidate as the viewer sees them, and the
    report, events and error are masked by it."""
    found = repo.report_of(session, row.id)
    who = ids.submission(row, people=True)
    report: dict[str, Any] = who.data(found.report) if found else {}
    pushed = hosted.push_times(session, row.invitation_id) if row.invitation_id else {}
    general, commits = timeline(report, pushed)
    tests = [t for t in report.get("tests") or [] if isinstance(t, dict)]
    source = code.source_of(session, settings, row, report)
    return {
        **work.work_context(session, row, report, tests, source.repo),
        "source": source,
        "tree": code.tree_rows(source),
        "submission": row,
        "who": who,
        "challenge": repo.get_challenge(session, row.challenge_id),
        "report": report,
        "skills": chart_skills(report),
        "tests": tests,
        "counts": outcome_counts(tests),
        "general": general,
        "commits": commits,
        "events": repo.events_of(session, row.id),
        "active": row.status in ACTIVE,
    }


@dataclass
class Column:
    row: SubmissionRow
    report: dict[str, Any]
    color: str
    who: Shown
    decision: DecisionRow | None = None

    @property
    def label(self) -> str:
        if self.who.blinded or self.row.candidate_email:
            return self.who.name
        return f"{self.row.repo.rsplit('/', 1)[-1]} ({self.row.id[:8]})"

    def skill(self, name: str) -> dict[str, Any]:
        found = (self.report.get("skills") or {}).get(name)
        return found if isinstance(found, dict) else {}

    def outcome(self, test_id: str) -> str | None:
        for test in self.report.get("tests") or []:
            if isinstance(test, dict) and test.get("id") == test_id:
                return str(test.get("outcome"))
        return None


def requested_ids(values: list[str]) -> list[str]:
    """ids=a,b,c or ids=a&ids=b, in order, without repeats."""
    ids: list[str] = []
    for value in values:
        for part in (p.strip() for p in value.split(",")):
            if part and part not in ids:
                ids.append(part)
    return ids


def compare_columns(
    session: Session, who: Identities, challenge_id: str, ids: list[str]
) -> list[Column] | str:
    """The compared submissions, or why they cannot be compared (a sentence for the page)."""
    if len(ids) < MIN_COMPARED:
        ticked = "none was" if not ids else "only one was"
        return (
            f"Tick {MIN_COMPARED} to {MAX_COMPARED} submissions to compare them: {ticked} ticked."
        )
    if len(ids) > MAX_COMPARED:
        return (
            f"At most {MAX_COMPARED} submissions can be compared at once: "
            f"{len(ids)} were ticked. Untick some and compare again."
        )
    columns = []
    for index, submission_id in enumerate(ids):
        row = repo.get_submission(session, submission_id)
        if row is None or row.challenge_id != challenge_id:
            return f"There is no submission {submission_id!r} for this challenge."
        found = repo.report_of(session, submission_id)
        shown = who.submission(row)
        report = shown.data(found.report) if found else {}
        columns.append(Column(row, report, COLORS[index % len(COLORS)], shown))
    return columns


def compared_skills(session: Session, challenge_id: str, columns: list[Column]) -> list[str]:
    """The challenge's skills in manifest order, then any other a compared report has."""
    names = skill_names(session, challenge_id, [])
    for column in columns:
        names += [name for name in column.report.get("skills") or {} if name not in names]
    return names


def test_rows(columns: list[Column]) -> list[dict[str, Any]]:
    """Every test any compared report ran, with its outcome in each."""
    seen: dict[str, str] = {}
    for column in columns:
        for test in column.report.get("tests") or []:
            if isinstance(test, dict) and isinstance(test.get("id"), str):
                seen.setdefault(test["id"], str(test.get("skill", "")))
    return [
        {"id": test_id, "skill": skill, "outcomes": [c.outcome(test_id) for c in columns]}
        for test_id, skill in seen.items()
    ]
