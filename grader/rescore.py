"""Re-scoring: a stored grading's report, recomputed from what the grading saved.

A grading keeps what its scoring read: the sandbox's RunArtifacts, the
tripwires it planted (the reports table's ``artifacts``; the golden cases'
``artifacts.json``) and, in its report, the expected test IDs, the history
analysis and what the run observed (image, removed files, timings, the static
integrity signals). ``score`` turns those and a challenge's manifest into a
report with the same stages a grading uses (results.evaluate,
pipeline.build_report): no Docker, no network, no git. Under the same code and
manifest it gives back the stored report; under a changed manifest (a weight,
a skill's tests) it gives the report the grading would have had.

``rescore_submission`` reads a stored submission; ``write`` stores a new report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import integrity
from grader.challenge import Challenge, load_challenge
from grader.errors import BadInput
from grader.fetch import Fetched
from grader.history import Finding, HistoryResult
from grader.images import SandboxImage
from grader.pipeline import build_report, evaluate_run
from grader.prepare import PreparedChallenge
from grader.report import Report
from grader.results import SuiteResult
from grader.sandbox import RunArtifacts
from grader.store import repo
from grader.store.db import session_scope
from grader.tripwires import Tripwire

MAX_DIFFERENCES = 40


@dataclass(frozen=True)
class SavedRun:
    """The sandbox's artifacts, the tripwires planted and the tests the suite had."""

    test_ids: list[str]
    tripwires: list[Tripwire]
    artifacts: RunArtifacts

    @classmethod
    def from_dict(cls, saved: Mapping[str, Any], test_ids: list[str] | None = None) -> SavedRun:
        """The stored form; ``test_ids`` when it has none (the reports table's rows)."""
        ids = saved.get("test_ids", test_ids)
        if ids is None:
            raise BadInput("the saved run does not say which tests the suite had")
        return cls(
            list(ids),
            [Tripwire(**wire) for wire in saved["tripwires"]],
            RunArtifacts(**saved["artifacts"]),
        )


@dataclass(frozen=True)
class Observed:
    """What the run saw that scoring never changes; empty for a run with no report."""

    repo: str = ""
    commit: str = ""
    ref: str | None = None
    tree: str | None = None
    image: str = ""
    digest: str = ""
    removed_files: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    signals: list[integrity.Signal] = field(default_factory=list)  # the working tree's
    graded_at: str = ""

    @classmethod
    def of(cls, report: Report) -> Observed:
        return cls(
            repo=report.submission.repo,
            commit=report.submission.commit,
            ref=report.submission.ref,
            tree=report.submission.tree,
            image=report.sandbox.image,
            digest=report.sandbox.digest,
            removed_files=list(report.removed_files),
            timings=dict(report.timings),
            signals=[integrity.Signal(**s) for s in report.integrity.get("signals") or []],
            graded_at=report.graded_at,
        )


def evaluate_saved(challenge: Challenge, saved: SavedRun) -> SuiteResult:
    """The results stage as the pipeline runs it for this challenge's language."""
    return evaluate_run(challenge, saved.test_ids, saved.artifacts, saved.tripwires)


def score(
    challenge: Challenge,
    saved: SavedRun,
    history: HistoryResult | None,
    observed: Observed | None = None,
) -> Report:
    """The report of a saved run under ``challenge``'s manifest. Pure: nothing is run."""
    observed = observed or Observed()
    suite = evaluate_saved(challenge, saved)
    wants_history = challenge.version_control_weight > 0
    report = _build(challenge, saved, suite, history if wants_history else None, observed)
    if wants_history and history is None:
        report.notes.append("version_control is not scored: the grading did not read the history")
    report.removed_files = list(observed.removed_files)
    report.integrity = integrity.section(
        challenge.isolation.value,
        list(observed.signals),
        saved.artifacts.candidate_processes,
        suite.integrity_notes,
        integrity.outside_guarantee(challenge.hidden_dir),
    )
    report.timings = dict(observed.timings)
    report.submission.tree = observed.tree
    if observed.graded_at:  # when the run happened, not when it was re-scored
        report.graded_at = observed.graded_at
    return report


def _build(
    challenge: Challenge,
    saved: SavedRun,
    suite: SuiteResult,
    history: HistoryResult | None,
    observed: Observed,
) -> Report:
    prepared = PreparedChallenge(
        challenge, SandboxImage(observed.image, observed.digest, ""), saved.test_ids
    )
    fetched = Fetched(repo=observed.repo, repo_dir=Path(), commit=observed.commit, ref=observed.ref)
    return build_report(prepared, fetched, suite, history, saved.artifacts, saved.tripwires)


def stored_history(challenge: Challenge, saved: SavedRun, report: Report) -> HistoryResult | None:
    """The history analysis a stored report carries (version_control, history, notes)."""
    vc = report.skills.get("version_control")
    if vc is None:
        return None
    # The report's notes are the suite's, then the history's: the suite's are the notes of
    # the same report built without a history, from the same artifacts.
    suite = evaluate_saved(challenge, saved)
    suite_notes = Counter(_build(challenge, saved, suite, None, Observed()).notes)
    notes = []
    for note in report.notes:
        if suite_notes[note] > 0:
            suite_notes[note] -= 1
        else:
            notes.append(note)
    detail = report.history or {}
    return HistoryResult(
        score=vc.score,
        findings=[Finding(**f) for f in vc.findings or []],
        commits_considered=int(detail.get("commits_considered") or 0),
        base_commit=detail.get("base_commit"),
        notes=notes,
        commits=list(detail.get("commits") or []),
    )


def rescore_report(
    challenge: Challenge, stored: Mapping[str, Any], artifacts: Mapping[str, Any]
) -> Report:
    """A stored report (JSON) recomputed from its stored artifacts under ``challenge``."""
    report = Report.model_validate(stored)
    saved = SavedRun.from_dict(artifacts, [t.id for t in report.tests])
    return score(challenge, saved, stored_history(challenge, saved, report), Observed.of(report))


def differences(old: Any, new: Any, where: str = "") -> list[str]:
    """Where two JSON values differ, one line a leaf: ``path: old -> new``."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [
            line
            for key in sorted(set(old) | set(new), key=str)
            for line in differences(old.get(key), new.get(key), f"{where}.{key}" if where else key)
        ]
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [
            line
            for index, (a, b) in enumerate(zip(old, new, strict=True))
            for line in differences(a, b, f"{where}[{index}]")
        ]
    return [] if old == new else [f"{where}: {_brief(old)} -> {_brief(new)}"]


def _brief(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# -- stored submissions --------------------------------------------------------------------


@dataclass(frozen=True)
class Rescored:
    submission_id: str
    stored: dict[str, Any]  # the report as stored
    report: Report  # as recomputed

    def differences(self) -> list[str]:
        return differences(self.stored, self.report.to_dict())


def rescore_submission(database_url: str, submission_id: str) -> Rescored:
    """Recompute a stored submission's report under its challenge version's manifest."""
    with session_scope(database_url) as session:
        submission = repo.get_submission(session, submission_id)
        if submission is None:
            raise BadInput(f"no submission {submission_id}")
        row = repo.report_of(session, submission_id)
        if row is None:
            raise BadInput(f"submission {submission_id} has no report ({submission.status})")
        artifacts = row.artifacts
        if artifacts is None and submission.dedupe_key:
            # A commit already graded reused that grading's report: its artifacts are there.
            original = repo.graded_with_key(session, submission.dedupe_key)
            artifacts = original.artifacts if original is not None else None
        if artifacts is None:
            raise BadInput(f"submission {submission_id} has no stored artifacts to re-score")
        version = repo.challenge_version(
            session, submission.challenge_id, submission.challenge_version
        )
        if version is None:
            raise BadInput(f"the challenge version of submission {submission_id} is not registered")
        stored, root, commit = dict(row.report), Path(version.root), version.commit
    challenge = load_challenge(root, commit=commit)
    return Rescored(submission_id, stored, rescore_report(challenge, stored, artifacts))


def write(database_url: str, rescored: Rescored, actor: str = "cli") -> None:
    """Store the recomputed report in place of the stored one, with an event and an audit."""
    report = rescored.report
    with session_scope(database_url) as session:
        repo.replace_report(
            session,
            rescored.submission_id,
            status=report.status,
            overall=report.overall,
            report=report.to_dict(),
            detail="re-scored from the stored artifacts",
        )
        repo.audit(
            session,
            actor,
            "submission.rescore",
            rescored.submission_id,
            {"overall": [rescored.stored.get("overall"), report.overall]},
        )
