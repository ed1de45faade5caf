"""Challenge validation: is a task sound before anyone is graded on it?

Runs in the real sandbox. The reference solution must score 100 on every
declared skill in every run; the starter must not; a test whose outcome
changes between runs is flaky; a timing test (the ``performance`` skill's, or
one ``[flaky]`` covers) must also pass in one more run with a busy loop on
every core beside the sandbox, since candidates are graded on a loaded machine;
the suite's time under the reference is shown, with a warning past half of
timeout_s. Every problem is reported, one a line,
in one pass: a manifest whose problems still let the suite run (a misspelled
skill) is validated anyway, its problems listed first.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import flaky, integrity
from grader.config import Settings
from grader.errors import ChallengeInvalid
from grader.languages import Isolation, support
from grader.pipeline import evaluate_run, run_suite
from grader.prepare import PreparedChallenge, locate_challenge, prepare
from grader.results import SuiteResult
from grader.sandbox import Sandbox
from grader.scoring import skill_scores
from grader.workspace import folder_entries_tar


@dataclass
class Validation:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    durations: dict[str, float] = field(
        default_factory=dict
    )  # test id -> max seconds under the reference
    suite_seconds: float = 0.0

    @property
    def valid(self) -> bool:
        return not self.problems


def validate_challenge(
    spec: str,
    settings: Settings,
    services: Callable[[], tuple[Any, Any]],
    progress: Callable[[str], None] = lambda _m: None,
) -> tuple[PreparedChallenge, Validation]:
    """Locate, prepare and validate the challenge at ``spec`` (a folder or git URL).

    Raises ChallengeInvalid when the suite cannot run (its problems and the
    manifest's together); ``services`` gives the image builder and sandbox, made
    only once the manifest is known to be usable.
    """
    manifest_problems: list[str] = []
    try:
        challenge = locate_challenge(spec, settings)
    except ChallengeInvalid as exc:
        if exc.runnable is None:
            raise
        challenge, manifest_problems = exc.runnable, exc.problems
    builder, sandbox = services()
    try:
        prepared = prepare(challenge, builder, sandbox, settings)
    except ChallengeInvalid as exc:
        raise ChallengeInvalid(manifest_problems + exc.problems) from exc
    result = validate(prepared, sandbox, settings, progress)
    result.problems[:0] = manifest_problems
    return prepared, result


def validate(
    prepared: PreparedChallenge,
    sandbox: Sandbox,
    settings: Settings,
    progress: Callable[[str], None] = lambda _m: None,
) -> Validation:
    result = Validation()
    runs = [
        _run(prepared, "solution", sandbox, settings, progress, i + 1)
        for i in range(settings.validate_runs)
    ]
    for index, suite in enumerate(runs, start=1):
        _check_solution(prepared, suite, index, result)
    _check_flaky(runs, result)
    timing = _timing_tests(prepared)
    if timing and settings.validate_contention and not result.problems:
        with busy_cores():
            contended = _run(prepared, "solution", sandbox, settings, progress, len(runs) + 1)
        _check_contention(contended, timing, result)
    _check_starter(prepared, _run(prepared, "starter", sandbox, settings, progress, 1), result)
    _check_time(prepared, runs, result)
    _check_isolation(prepared, result)
    return result


def _run(
    prepared: PreparedChallenge,
    folder: str,
    sandbox: Sandbox,
    settings: Settings,
    progress: Callable[[str], None],
    number: int,
) -> SuiteResult:
    progress(f"running the hidden suite against {folder}/ (run {number})")
    tar = folder_entries_tar(prepared.challenge.root / folder, prepared.challenge.language).tar
    with tempfile.TemporaryDirectory(dir=settings.subdir("tmp")) as tmp:
        artifacts, wires = run_suite(prepared, tar, sandbox, Path(tmp))
    return evaluate_run(prepared.challenge, prepared.test_ids, artifacts, wires)


def _check_solution(
    prepared: PreparedChallenge, suite: SuiteResult, run: int, result: Validation
) -> None:
    if suite.error:
        result.problems.append(f"solution/ (run {run}): {suite.error}")
        return
    if suite.tampered:
        result.problems.append(
            f"solution/ (run {run}): the grader's control tests were disturbed: "
            + "; ".join(suite.tamper_reasons)
        )
    for test in suite.tests:
        if test.outcome != "passed" and run == 1:
            result.problems.append(f"solution/: {test.id} {test.outcome}: {headline(test.message)}")


# A stack frame of Java ("\tat com.x.Y.m(Y.java:3)", "... 4 more") or Node ("    at f (...)").
STACK_FRAME = re.compile(r"^\s+(?:at\s|\.\.\. \d+ more)")


def headline(message: str) -> str:
    """What an author needs from a failure: its last line that is not a stack frame
    (pytest's assertion, Java's or Node's exception and message), cut at 200 characters."""
    lines = [line for line in message.splitlines() if line.strip()]
    kept = [line for line in lines if not STACK_FRAME.match(line)] or lines or [""]
    return kept[-1].strip()[:200]


def _check_flaky(runs: list[SuiteResult], result: Validation) -> None:
    if len(runs) < 2:
        return
    outcomes: dict[str, set[str]] = {}
    for suite in runs:
        for test in suite.tests:
            outcomes.setdefault(test.id, set()).add(test.outcome)
    for test_id, seen in outcomes.items():
        if len(seen) > 1:
            result.problems.append(
                f"flaky: {test_id} gave {', '.join(sorted(seen))} "
                f"over {len(runs)} runs of the solution"
            )


def _timing_tests(prepared: PreparedChallenge) -> list[str]:
    challenge = prepared.challenge
    scope = flaky.scope(challenge.flaky, challenge.skill_of, prepared.test_ids)
    return [t for t in prepared.test_ids if t in scope.timing or scope.covers(t)]


@contextmanager
def busy_cores() -> Iterator[None]:
    """A busy loop on every core of this machine while the block runs (the load a worker
    shares its machine with: other gradings, the engine, git)."""
    loops = [
        subprocess.Popen(
            [sys.executable, "-c", "while True: pass"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(os.cpu_count() or 1)
    ]
    try:
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


def _check_contention(contended: SuiteResult, timing: list[str], result: Validation) -> None:
    """A timing test that passed alone and flips with the machine busy has a budget that
    grades the machine, not the code."""
    if contended.error or contended.tampered:
        result.problems.append(
            "solution/ (with every core busy): "
            + (contended.error or "; ".join(contended.tamper_reasons))
        )
        return
    for test in contended.tests:
        if test.id in timing and test.outcome != "passed":
            last = test.message.strip().splitlines()[-1:] if test.message.strip() else [""]
            result.problems.append(
                f"timing: {test.id} passes alone but {test.outcome} with a busy loop on every "
                f"core beside it: its budget is too tight for a loaded machine: {last[0][:200]}"
            )


def _check_starter(prepared: PreparedChallenge, suite: SuiteResult, result: Validation) -> None:
    scores = skill_scores(prepared.challenge, suite.tests)
    if scores and all(s.score == 100.0 for s in scores.values()):
        result.problems.append(
            "starter/: scores 100 on every skill; the task would be solved "
            "before the candidate starts"
        )
        return
    for name, score in scores.items():
        if score.score == 100.0:
            result.warnings.append(f"starter/: already scores 100 on {name}")


def _check_time(prepared: PreparedChallenge, runs: list[SuiteResult], result: Validation) -> None:
    for suite in runs:
        for test in suite.tests:
            result.durations[test.id] = max(result.durations.get(test.id, 0.0), test.duration_s)
    result.suite_seconds = round(sum(result.durations.values()), 3)
    limit = prepared.challenge.limits.timeout_s
    if result.suite_seconds > limit / 2:
        result.warnings.append(
            f"the suite takes {result.suite_seconds:.1f}s under the reference, "
            f"more than half of timeout_s = {limit:g}"
        )


def _check_isolation(prepared: PreparedChallenge, result: Validation) -> None:
    """Say which outcomes the isolation guarantee does not cover (docs/sandbox.md)."""
    challenge = prepared.challenge
    if challenge.isolation != Isolation.PROCESS:
        offered = Isolation.PROCESS in support(challenge.language).isolations
        result.warnings.append(
            f"isolation = {challenge.isolation.value}: the submission runs in the process that "
            "decides the outcomes; the tripwires guard them (and, for Python, the audit "
            "hooks), not the isolation"
            + (
                f'; {challenge.language} offers isolation = "process", which validation '
                "would check against the solution"
                if offered
                else ""
            )
        )
        return
    for signal in integrity.outside_guarantee(challenge.hidden_dir):
        result.warnings.append(
            f"{signal.file}:{signal.line} starts a process: what it runs (the submission, if "
            "it imports it) runs as the tests' uid and the test believes what it reports; "
            "this test's outcome is outside the isolation guarantee"
        )


def raise_if_invalid(validation: Validation) -> None:
    if not validation.valid:
        raise ChallengeInvalid(validation.problems)
