"""What a report page says about the work around its numbers: attempts, rewrites, the
arithmetic behind every score, the log without the grader's control tests, timeouts.

- attempts: every grading of the same invitation, oldest first, each with its score
  (a push never replaces an earlier grading: each is a submission of its own);
- rewrites: each force-push of the invitation's repository, with the commits it
  replaced (read from the repository's objects while they are still there), since
  the version-control score reads only the history that remains;
- explanation: the overall formula with the weights, each skill's tests, the
  version-control base and each rule's points;
- the grading log cleaned by grader.gradinglog, and the time limit a timeout hit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from grader import gradinglog
from grader.challenge import load_challenge
from grader.errors import GraderError
from grader.git import browse
from grader.history.rules import BASELINE
from grader.store import hosted, repo
from grader.store.models import SubmissionRow


# -- attempts -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Attempt:
    number: int  # 1 for the first grading of the invitation
    id: str
    status: str
    overall: float | None
    commit: str | None
    created_at: datetime
    current: bool  # the submission the page is about


def attempts(session: Session, row: SubmissionRow) -> list[Attempt]:
    """Every grading of this submission's invitation, oldest first (itself alone without one)."""
    rows = hosted.attempts_of(session, row.invitation_id) if row.invitation_id else [row]
    return [
        Attempt(n, r.id, r.status, r.overall, r.commit, r.created_at, r.id == row.id)
        for n, r in enumerate(rows, start=1)
    ]


# -- rewritten history ----------------------------------------------------------------------
@dataclass
class Rewrite:
    ref: str
    old: str
    new: str
    received_at: datetime
    replaced: list[browse.Lost] = field(default_factory=list)
    unreadable: str | None = None  # why the replaced commits could not be listed


def rewrites(session: Session, where: Path | None, row: SubmissionRow) -> list[Rewrite]:
    """The force-pushes to this invitation's repository, up to this submission's grading."""
    if not row.invitation_id:
        return []
    out = []
    for push in hosted.forced_pushes(session, row.invitation_id):
        if push.old_commit is None or push.received_at > row.created_at:
            continue  # a later rewrite did not touch what this grading read
        item = Rewrite(push.ref, push.old_commit, push.new_commit, push.received_at)
        if where is None:
            item.unreadable = "the repository is not on this server"
        else:
            try:
                item.replaced = browse.lost_commits(where, push.old_commit, push.new_commit)
            except GraderError as exc:
                item.unreadable = str(exc)
        out.append(item)
    return out


# -- how every number was computed ----------------------------------------------------------
@dataclass(frozen=True)
class Term:
    skill: str
    score: float
    weight: float


@dataclass
class Explanation:
    tampered: bool
    overall: float | None
    terms: list[Term]  # skills with weight > 0: overall = sum(score * weight) / sum(weight)
    left_out: list[str]  # skills of weight 0
    skills: dict[str, dict[str, Any]]  # name -> passed, total, score, tests[]
    base: float  # version control: the base every history starts from
    rules: list[dict[str, Any]]  # rule, count, points (summed), in the findings' order
    vc_score: float | None
    vc_sum: float | None  # base + points, before the clamp to 0..100
    findings: int
    general: int  # findings about the whole history
    on_commits: int  # findings on one commit
    commits_with: int  # commits with at least one finding

    @property
    def weights(self) -> float:
        return sum(t.weight for t in self.terms)


def explain(report: dict[str, Any], tests: list[dict[str, Any]]) -> Explanation:
    skills = {k: v for k, v in (report.get("skills") or {}).items() if isinstance(v, dict)}
    terms = [Term(k, _num(v.get("score")), _num(v.get("weight"))) for k, v in skills.items()]
    vc = skills.get("version_control") or {}
    findings = [f for f in vc.get("findings") or [] if isinstance(f, dict)]
    rules: dict[str, dict[str, Any]] = {}
    for f in findings:
        entry = rules.setdefault(
            str(f.get("rule")), {"rule": f.get("rule"), "count": 0, "points": 0.0}
        )
        entry["count"] += 1
        entry["points"] = round(entry["points"] + _num(f.get("effect")), 1)
    points = round(sum(r["points"] for r in rules.values() if r["rule"] != "score.clamped"), 1)
    on_commits = [f for f in findings if isinstance(f.get("commit"), str) and f.get("commit")]
    return Explanation(
        tampered=report.get("status") == "tampered",
        overall=report.get("overall") if isinstance(report.get("overall"), int | float) else None,
        terms=[t for t in terms if t.weight > 0],
        left_out=[t.skill for t in terms if t.weight <= 0],
        skills={
            name: {
                "passed": s.get("passed"),
                "total": s.get("total"),
                "score": s.get("score"),
                "tests": [t for t in tests if t.get("skill") == name],
            }
            for name, s in skills.items()
            if s.get("total") is not None
        },
        base=BASELINE,
        rules=list(rules.values()),
        vc_score=vc.get("score") if isinstance(vc.get("score"), int | float) else None,
        vc_sum=round(BASELINE + points, 1) if vc else None,
        findings=len(findings),
        general=len(findings) - len(on_commits),
        on_commits=len(on_commits),
        commits_with=len({f["commit"] for f in on_commits}),
    )


def _num(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


# -- the log and the time limit -------------------------------------------------------------
def grading_log(report: dict[str, Any], tests: list[dict[str, Any]]) -> gradinglog.Log:
    output = report.get("output") if isinstance(report.get("output"), dict) else {}
    return gradinglog.clean(output or {}, tests)


def time_limit(session: Session, row: SubmissionRow) -> float | None:
    """The suite's time limit of the challenge version this submission was graded against."""
    version = repo.challenge_version(session, row.challenge_id, row.challenge_version)
    if version is None:
        return None
    try:
        return load_challenge(Path(version.root)).limits.timeout_s
    except (GraderError, OSError):
        return None


def work_context(
    session: Session,
    row: SubmissionRow,
    report: dict[str, Any],
    tests: list[dict[str, Any]],
    where: Path | None,
) -> dict[str, Any]:
    """The report page's parts built here, by name."""
    return {
        "attempts": attempts(session, row),
        "rewrites": rewrites(session, where, row),
        "explained": explain(report, tests),
        "log": grading_log(report, tests),
        "time_limit": time_limit(session, row),
    }
