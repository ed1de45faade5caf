"""What a reviewer can decide and comment on, read from a submission and its report.

A comment targets one thing a report shows: a test (by its id), a commit (its
full SHA, from the history or a finding) or a version-control finding (its rule,
then ``@<commit>`` when the finding is about one commit). ``targets`` lists them
for the report page's form; ``target_problem`` says, in a sentence, why a
target the API was given is not one of them. ``review_context`` is the report
page's review block: the current decisions and their history, the comments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from grader.store import decisions, hosted
from grader.store.decisions import Subject
from grader.store.models import CommentTarget, SubmissionRow, Verdict

LABEL_CHARS = 90


@dataclass(frozen=True)
class Target:
    kind: CommentTarget
    id: str
    label: str

    @property
    def value(self) -> str:
        """How the page's form names it: kind:id."""
        return f"{self.kind.value}:{self.id}"


def _clip(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "\u2026"


def _findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    vc = (report.get("skills") or {}).get("version_control") or {}
    found = vc.get("findings") if isinstance(vc, dict) else None
    return [f for f in found or [] if isinstance(f, dict) and isinstance(f.get("rule"), str)]


def finding_id(finding: dict[str, Any]) -> str:
    commit = finding.get("commit")
    return f"{finding['rule']}@{commit}" if isinstance(commit, str) and commit else finding["rule"]


def targets(report: dict[str, Any]) -> list[Target]:
    """Everything on this report a comment may be about, in the page's order, once each."""
    out: dict[str, Target] = {}
    for test in report.get("tests") or []:
        if isinstance(test, dict) and isinstance(test.get("id"), str):
            found = Target(CommentTarget.TEST, test["id"], _clip(test["id"]))
            out.setdefault(found.value, found)
    for finding in _findings(report):
        label = _clip(f"{finding['rule']}: {finding.get('message', '')}")
        found = Target(CommentTarget.FINDING, finding_id(finding), label)
        out.setdefault(found.value, found)
    commits = (report.get("history") or {}).get("commits") or []
    named = [c for c in commits if isinstance(c, dict) and isinstance(c.get("sha"), str)]
    for commit in named:
        label = _clip(f"{commit['sha'][:10]} {commit.get('subject') or ''}".strip())
        found = Target(CommentTarget.COMMIT, commit["sha"], label)
        out.setdefault(found.value, found)
    for finding in _findings(report):
        sha = finding.get("commit")
        if isinstance(sha, str) and sha:
            found = Target(CommentTarget.COMMIT, sha, sha[:10])
            out.setdefault(found.value, found)
    return list(out.values())


def target_problem(
    report: dict[str, Any] | None, kind: CommentTarget, target_id: str
) -> str | None:
    """None when the report has this target; else what is wrong, for a 422."""
    if not report:
        return (
            "this submission has no report yet: there is no test, finding or commit to comment on"
        )
    if any(t.kind == kind and t.id == target_id for t in targets(report)):
        return None
    if kind == CommentTarget.FINDING:
        return (
            f"the report has no finding {target_id!r}: name a finding by its rule, "
            "then @<commit> when it is about one commit"
        )
    what = "full commit SHA" if kind == CommentTarget.COMMIT else "test id"
    return f"the report has no {kind.value} {target_id!r} (give a {what} the report shows)"


def review_context(
    session: Session, row: SubmissionRow, report: dict[str, Any] | None
) -> dict[str, Any]:
    """The report page's review block: decisions (this submission's and its candidate's),
    the comments, and what a new comment may target."""
    invitation = hosted.get_invitation(session, row.invitation_id) if row.invitation_id else None
    about_candidate = (
        decisions.history(session, Subject.of_invitation(invitation)) if invitation else []
    )
    comments = decisions.comments_of(session, row.id)
    return {
        "verdicts": list(Verdict),
        "decisions": decisions.history(session, Subject.of_submission(row)),
        "candidate_decisions": about_candidate,
        "invitation": invitation,
        "comments": comments,
        "comment_targets": targets(report or {}),
    }
