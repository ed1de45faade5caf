"""The soak's checks on a run's outcome, on made-up histories, reports and engines."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, cast

from scripts.soak import checks
from scripts.soak.checks import Disruption, graded_once, left_behind, scored_alike
from scripts.soak.services import Docker


def _report(status: str, databases: float) -> dict[str, Any]:
    skills = {"databases": {"score": databases}, "version_control": {"score": 0.1}}
    return {"status": status, "skills": skills}


def test_each_challenge_and_variant_is_compared_with_itself_only() -> None:
    made = {"a": "lb/solution", "b": "lb/solution", "c": "lb/starter", "d": "wf/solution"}
    stored = {
        "a": _report("graded", 1.0),
        "b": _report("graded", 1.0),
        "c": _report("graded", 0.0),
        "d": _report("graded", 0.5),
    }
    assert scored_alike(made, stored) == []
    stored["b"] = _report("graded", 0.9)
    problems = scored_alike(made, stored)
    assert len(problems) == 1
    assert problems[0].startswith("lb/solution submissions were scored differently")


def test_version_control_may_differ_between_commits() -> None:
    made = {"a": "wf/starter", "b": "wf/starter"}
    other = _report("graded", 0.0)
    other["skills"]["version_control"]["score"] = 0.7
    assert scored_alike(made, {"a": _report("graded", 0.0), "b": other}) == []


def test_a_submission_graded_twice_or_without_a_report_is_a_problem() -> None:
    made = {"a": "wf/solution", "b": "wf/starter"}
    events = {"a": [("queued", ""), ("running", ""), ("graded", "")], "b": [("error", "x")]}
    problems = graded_once(made, events, {"a": _report("graded", 1.0)}, Counter({"a": 2}))
    assert problems == [
        "a: graded 2 times by the workers",
        "b (wf/starter): final statuses ['error'], history [('error', 'x')]",
        "b (wf/starter): no report",
    ]


class _Engine:
    """What a Docker engine lists as left behind (the listing itself needs a dockerd)."""

    def __init__(self, containers: list[str], networks: list[str]) -> None:
        self.containers, self.networks = containers, networks

    def containers_left(self) -> list[str]:
        return self.containers

    def networks_left(self) -> list[str]:
        return self.networks


def test_service_containers_networks_and_folders_left_are_each_a_problem(tmp_path: Path) -> None:
    (tmp_path / "tmp" / "grading-1").mkdir(parents=True)
    engine = _Engine(["c1 service grader-x-redis Up"], ["n1 grader-abc services"])
    problems = left_behind(cast(Docker, engine), tmp_path)
    assert problems == [
        "container left behind: c1 service grader-x-redis Up",
        "network left behind: n1 grader-abc services",
        f"temporary folder left behind: {tmp_path / 'tmp' / 'grading-1'}",
    ]
    assert left_behind(cast(Docker, _Engine([], [])), tmp_path / "nothing") == []


def test_a_due_disruption_waits_for_a_grading_with_services(monkeypatch: Any) -> None:
    step = Disruption(0.5, "restart", lambda: None)
    assert not step.ready(4, 10, lambda: True)  # not due yet
    assert not step.ready(5, 10, lambda: False)  # due: waits for a grading with services
    assert step.ready(5, 10, lambda: True)
    monkeypatch.setattr(checks, "AIM_FOR_S", -1.0)
    assert step.ready(6, 10, lambda: False)  # waited long enough: goes ahead without one
    step.done = True
    assert not step.ready(10, 10, lambda: True)
