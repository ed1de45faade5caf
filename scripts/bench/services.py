"""What sidecar services cost a grading (issue 16): a PostgreSQL challenge, cold and warm.

The same submission (the challenge's reference solution, pushed as a candidate
would) is graded in this process by ``pipeline.grade()``, with sandboxes that
start their services when the job arrives (cold) and with a warm pool that
keeps a set (network, services answering, sandbox on that network) ready.
Before each warm grading the bench waits until the pool's next set is ready,
as a worker's next job would find it. The overhead of a grading is its wall
time less the suite's own run (the supervisor's clock), so what it shows is
what the grader adds around the suite; the issue's budget is 0.5 s.
"""

from __future__ import annotations

import time
from typing import Any

from grader.fetch import FetchPolicy
from grader.pipeline import grade
from grader.sandbox import DockerSandbox
from scripts.bench.common import log, summary
from scripts.bench.gradings import check_report
from scripts.bench.harness import Bench
from scripts.bench.subjects import Subject, prepare_subject
from tests.support.services import wait_for

OVERHEAD_BUDGET_S = 0.5


def services(bench: Bench) -> dict[str, Any]:
    """Cold and warm gradings of the PostgreSQL challenge; {} when it cannot be prepared."""
    try:
        subject = prepare_subject(
            "services",
            [bench.args.services_challenge],
            bench.settings,
            bench.builder,
            bench.sandbox,
            bench.warnings,
        )
    except SystemExit as exc:  # reported as a warning by prepare_subject
        log(str(exc))
        return {}
    runs = max(bench.args.runs, 3)
    cold = DockerSandbox(bench.settings, bench.engine)
    warm = DockerSandbox(bench.settings, bench.engine, warm=True)
    try:
        samples: dict[str, list[dict[str, float]]] = {"cold": [], "warm": []}
        _grade(bench, subject, warm)  # fills the pool; not counted
        for _ in range(runs):
            samples["cold"].append(_grade(bench, subject, cold))
            _wait_warm(warm)
            samples["warm"].append(_grade(bench, subject, warm))
    finally:
        warm.close()
    return {subject.id: {mode: _summary(found) for mode, found in samples.items()}}


def _grade(bench: Bench, subject: Subject, sandbox: DockerSandbox) -> dict[str, float]:
    started = time.perf_counter()
    grading = grade(
        subject.prepared,
        str(subject.repo),
        "main",
        settings=bench.settings,
        sandbox=sandbox,
        policy=FetchPolicy(allow_local=True),
    )
    wall = time.perf_counter() - started
    check_report(bench, subject, grading.report.to_dict(), "services")
    artifacts = grading.artifacts
    suite = artifacts.duration_s if artifacts else 0.0
    return {
        "wall": wall,
        "suite": suite,
        "overhead": wall - suite,
        "services_start": artifacts.services_start_s if artifacts else 0.0,
    }


def _wait_warm(sandbox: DockerSandbox) -> None:
    pool = sandbox.pool
    assert pool is not None
    wait_for("a warm set with services", lambda: pool.ready() > 0, 120, 0.05)


def _summary(found: list[dict[str, float]]) -> dict[str, Any]:
    overhead = summary([f["overhead"] for f in found])
    return {
        "wall": summary([f["wall"] for f in found]),
        "suite": summary([f["suite"] for f in found]),
        "services_start_on_path": summary([f["services_start"] for f in found]),
        "overhead_vs_own_suite_run": overhead,
        "within_budget": overhead["median_s"] is not None
        and overhead["median_s"] <= OVERHEAD_BUDGET_S,
    }
