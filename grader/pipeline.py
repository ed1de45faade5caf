"""grade(): the stages in order, each timed.

    fetch -> workspace -> sandbox run -> results -> history -> score -> report -> similarity

(the history is read beside the sandbox run: it needs only the fetched clone)

The similarity stage fingerprints the files the workspace holds (a graded
submission only: not a tampered or failed one), since they exist only while
the grading runs; the worker compares and stores them (grader/similarities.py).
It never changes the report's tests or scores, and if it fails the grading
stands without fingerprints.

The CLI and the queue's job both call ``grade`` with a prepared challenge.
Each grading works in its own temporary folder (bare clone, hidden-suite copy
with tripwires), removed when the grading ends, whatever the outcome.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from grader import __version__, evidence, fetch, flaky, integrity, timestamps, tripwires
from grader.challenge import Challenge
from grader.config import Settings
from grader.git import TreeEntry
from grader.history import HistoryResult, analyse_history
from grader.languages import support
from grader.prepare import PreparedChallenge, suite_job
from grader.report import (
    SCHEMA,
    ChallengeRef,
    Report,
    SandboxRef,
    SkillReport,
    Status,
    SubmissionRef,
    TestReport,
)
from grader.results import SuiteResult, evaluate
from grader.sandbox import RunArtifacts, Sandbox
from grader.scoring import overall, skill_scores
from grader.similarity import Fingerprints
from grader.workspace import build_workspace

Progress = Callable[[str], None]
T = TypeVar("T")
log = logging.getLogger("grader.pipeline")


@dataclass
class Grading:
    """What one grading produced: the report, and the raw artifacts it was computed from."""

    report: Report
    artifacts: RunArtifacts | None = None
    tripwires: list[tripwires.Tripwire] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    fingerprints: Fingerprints | None = None  # a graded submission's, for the similarity check


class _Timer:
    def __init__(self, progress: Progress) -> None:
        self.timings: dict[str, float] = {}
        self.progress = progress

    @contextmanager
    def stage(self, name: str, message: str) -> Iterator[None]:
        self.progress(message)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(time.perf_counter() - started, 4)


def grade(
    prepared: PreparedChallenge,
    repo: str,
    ref: str | None,
    *,
    settings: Settings,
    sandbox: Sandbox,
    policy: fetch.FetchPolicy,
    progress: Progress = lambda _m: None,
    seed_commit: str | None = None,
    push_times: Mapping[str, datetime] | None = None,
    source: str | None = None,
    fingerprint: bool = True,
) -> Grading:
    """Grade one submission. ``seed_commit`` and ``push_times`` come from a hosted
    repository: where the candidate's history starts, and when each commit arrived.
    ``source`` is where to fetch ``repo`` from when that differs from its URL (a
    hosted repository, read from disk); the report names ``repo``. ``fingerprint``
    False skips the similarity stage, for a caller that stores no fingerprints."""
    challenge = prepared.challenge
    timer = _Timer(progress)
    # Named after this process, so that if it is killed its successor can remove the folder.
    workdir = Path(tempfile.mkdtemp(prefix=f"grading-{os.getpid()}-", dir=settings.subdir("tmp")))
    try:
        with timer.stage("fetch", f"fetching {repo}"):
            fetched, entries = _fetch(repo, ref, source, workdir, settings, policy)
        with timer.stage("workspace", "preparing the sandbox's working tree"):
            workspace = build_workspace(fetched.repo_dir, entries, challenge.language)
        # The history needs only the clone, and the evidence only the clone and the working
        # tree: both are read on the host while the suite runs in the sandbox (git and the
        # hidden suite each keep a core busy), and joined before scoring. The pool's exit
        # waits for them, so the clone outlives every reader.
        with ThreadPoolExecutor(1, thread_name_prefix="beside") as beside:
            history = beside.submit(_timed, _history, fetched, prepared, seed_commit, push_times)
            gathered = beside.submit(
                evidence.gather, fetched, workspace, challenge.hidden_dir, fingerprint
            )
            with timer.stage(
                "sandbox", f"running the hidden suite ({len(prepared.test_ids)} tests)"
            ):
                artifacts, wires = run_suite(prepared, workspace.tar, sandbox, workdir)
            with timer.stage("results", "reading the results"):
                suite = evaluate_run(challenge, prepared.test_ids, artifacts, wires)
            suite = _rerun_failed(
                prepared, workspace.tar, sandbox, workdir, suite, artifacts, timer, settings
            )
            progress("reading the git history")
            vc, timer.timings["history"] = history.result()
            found = gathered.result()
        with timer.stage("score", "scoring"):
            report = build_report(prepared, fetched, suite, vc, artifacts, wires)
            report.submission.tree = found.tree
            report.removed_files = workspace.removed
            report.integrity = integrity.section(
                prepared.challenge.isolation.value,
                found.signals,
                artifacts.candidate_processes,
                suite.integrity_notes,
                found.outside,
            )
        if artifacts.services:  # inside the sandbox stage, before the suite's clock starts
            timer.timings["services_start"] = artifacts.services_start_s
        for name, seconds in suite.runner_timings.items():  # inside the suite's (Java: compile)
            timer.timings[f"suite_{name}"] = seconds
        fingerprints = None
        # Read beside the suite, kept for a graded one only.
        if fingerprint and report.status == Status.GRADED:
            fingerprints = found.fingerprints
            timer.timings["similarity"] = found.fingerprint_s
        report.timings = timer.timings
        return Grading(
            report=report,
            artifacts=artifacts,
            tripwires=wires,
            timings=timer.timings,
            fingerprints=fingerprints,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _fetch(
    repo: str,
    ref: str | None,
    source: str | None,
    workdir: Path,
    settings: Settings,
    policy: fetch.FetchPolicy,
) -> tuple[fetch.Fetched, list[TreeEntry]]:
    """The bounded clone (from ``source`` when given, named ``repo``) and its tree."""
    fetched = fetch.fetch(
        source or repo, ref, workdir, policy, settings.clone_timeout_s, settings.max_repo_mb << 20
    )
    fetched = dataclasses.replace(fetched, repo=repo)
    return fetched, fetch.submission_tree(fetched, settings.max_tree_mb << 20)


def run_suite(
    prepared: PreparedChallenge, tar: bytes, sandbox: Sandbox, workdir: Path
) -> tuple[RunArtifacts, list[tripwires.Tripwire]]:
    """Run the hidden suite, with fresh tripwires, against one working tree."""
    hidden_copy = Path(tempfile.mkdtemp(prefix="suite-", dir=workdir)) / "hidden"
    shutil.copytree(
        prepared.challenge.hidden_dir, hidden_copy, ignore=shutil.ignore_patterns("__pycache__")
    )
    try:
        plant = support(prepared.challenge.language).plant
        wires = plant(hidden_copy, prepared.test_ids, prepared.durations)
        job = suite_job(prepared.challenge, prepared.image, tar, hidden_copy, "grading")
        return sandbox.run(job), wires
    finally:
        shutil.rmtree(hidden_copy.parent, ignore_errors=True)


def _rerun_failed(
    prepared: PreparedChallenge,
    tar: bytes,
    sandbox: Sandbox,
    workdir: Path,
    first: SuiteResult,
    artifacts: RunArtifacts,
    timer: _Timer,
    settings: Settings,
) -> SuiteResult:
    """The first run's result with its failed timing (or declared) tests rerun (grader/flaky.py):
    each rerun is a whole new sandbox run with fresh control tests, evaluated as the first."""
    challenge = prepared.challenge
    reruns = 0
    started = time.perf_counter()
    # A rerun costs about what the first run cost; the job's own limit must leave room for
    # it (half the limit at most goes to reruns), or the queue would kill the grading.
    one_run_s = timer.timings.get("sandbox", 0.0)

    def run_again() -> SuiteResult:
        nonlocal reruns
        if time.perf_counter() - started + one_run_s > settings.max_job_timeout_s / 2:
            return SuiteResult(tests=[], error="the job's time limit leaves no room for it")
        reruns += 1
        timer.progress(f"rerunning the suite for its failed tests (rerun {reruns})")
        again, wires = run_suite(prepared, tar, sandbox, workdir)
        return evaluate_run(challenge, prepared.test_ids, again, wires)

    scope = flaky.scope(challenge.flaky, challenge.skill_of, prepared.test_ids)
    settled = flaky.settle(first, scope, run_again, repeatable=not artifacts.timed_out)
    if reruns:
        timer.timings["reruns"] = round(time.perf_counter() - started, 4)
    return settled


def evaluate_run(
    challenge: Challenge,
    test_ids: list[str],
    artifacts: RunArtifacts,
    wires: Iterable[tripwires.Tripwire],
) -> SuiteResult:
    """One outcome per expected test, checked as strictly as the language's runner allows
    (the results stage of a grading, of validate and of a re-scoring)."""
    language = support(challenge.language)
    return evaluate(
        artifacts,
        test_ids,
        wires,
        runner_status_exact=language.runner_status_exact,
        every_test_reported=language.every_test_reported,
    )


def _timed(function: Callable[..., T], *args: Any) -> tuple[T, float]:
    """The function's result, and its own run time (a stage that runs beside others)."""
    started = time.perf_counter()
    result = function(*args)
    return result, round(time.perf_counter() - started, 4)


def _history(
    fetched: fetch.Fetched,
    prepared: PreparedChallenge,
    seed_commit: str | None,
    push_times: Mapping[str, datetime] | None,
) -> HistoryResult | None:
    if prepared.challenge.version_control_weight == 0:
        return None
    return analyse_history(
        fetched.repo_dir,
        fetched.commit,
        starter_dir=prepared.challenge.root / "starter",
        seed_commit=seed_commit,
        push_times=push_times,
    )


def build_report(
    prepared: PreparedChallenge,
    fetched: fetch.Fetched,
    suite: SuiteResult,
    vc: HistoryResult | None,
    artifacts: RunArtifacts,
    wires: Iterable[tripwires.Tripwire] = (),
) -> Report:
    challenge = prepared.challenge
    scores = skill_scores(challenge, suite.tests, tampered=suite.tampered)
    skills = {
        name: SkillReport(score=s.score, weight=s.weight, passed=s.passed, total=s.total)
        for name, s in scores.items()
    }
    notes = list(suite.notes)
    if suite.tampered:
        notes += [f"tampering detected: {reason}" for reason in suite.tamper_reasons]
    if vc is not None:
        skills["version_control"] = SkillReport(
            score=vc.score,
            weight=challenge.version_control_weight,
            findings=[_finding(f) for f in vc.findings],
        )
        notes += list(vc.notes)
    status = Status.ERROR if suite.error else (Status.TAMPERED if suite.tampered else Status.GRADED)
    if suite.error:
        notes.append(suite.error)
    return Report(
        schema=SCHEMA,
        status=status,
        # A forger keeps nothing, not even the version-control share.
        overall=0.0 if suite.tampered else overall((s.score, s.weight) for s in skills.values()),
        skills=skills,
        tests=[
            TestReport(
                id=t.id,
                skill=challenge.skill_of(t.id) or "",
                outcome=t.outcome,
                duration_s=t.duration_s,
                message=t.message,
                runs=list(t.runs) or None,
                flaky=t.flaky,
            )
            for t in suite.tests
        ],
        challenge=ChallengeRef(
            id=challenge.id,
            commit=challenge.commit,
            title=challenge.title,
            version=challenge.content_hash(),
        ),
        sandbox=SandboxRef(
            image=prepared.image.reference,
            digest=prepared.image.image_id,
            runtime=artifacts.runtime,
            services=artifacts.services,
        ),
        submission=SubmissionRef(repo=fetched.repo, commit=fetched.commit, ref=fetched.ref),
        notes=notes,
        output=tripwires.scrub(artifacts.output, wires),
        history=None
        if vc is None
        else {
            "commits_considered": vc.commits_considered,
            "base_commit": vc.base_commit,
            "commits": vc.commits,
            "signals": vc.signals,  # for reviewers, never scored
        },
        grader_version=__version__,
        graded_at=timestamps.now(),
    )


def _finding(finding: Any) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "message": finding.message,
        "commit": finding.commit,
        "effect": finding.effect,
    }
