"""Watching a soak run and checking its outcome.

``watch`` runs the disruptions as the gradings progress and returns when every
submission is final; ``check`` lists the problems (a submission not graded
exactly once, with one report; submissions of one challenge and variant scored
differently; a worker that died by itself; a sandbox or service container, a
network or a temporary folder left behind) and ``figures`` counts the claims,
retries and recoveries from the status history.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text

from grader.store.db import session_scope
from scripts.soak.common import FINAL, say
from scripts.soak.services import Docker
from scripts.soak.workers import Workers


def counts(url: str) -> Counter[str]:
    with session_scope(url) as session:
        rows = session.execute(text("SELECT status, COUNT(*) FROM submissions GROUP BY status"))
        return Counter({str(status): int(n) for status, n in rows})


def running_owners(url: str, challenge_id: str) -> set[int]:
    """The pids of the workers running a grading of that challenge now (the database's view)."""
    with session_scope(url) as session:
        rows = session.execute(
            text("SELECT worker FROM submissions WHERE status = 'running' AND challenge_id = :c"),
            {"c": challenge_id},
        )
        pids = {str(worker).rpartition(":")[2] for (worker,) in rows}
        return {int(pid) for pid in pids if pid.isdigit()}


AIM_FOR_S = 60.0  # how long a due disruption waits for a grading with services to be running


@dataclass
class Disruption:
    at_fraction: float
    name: str
    action: Callable[[], None]
    done: bool = False
    due_since: float | None = None

    def ready(self, finished: int, total: int, on_target: Callable[[], bool]) -> bool:
        """Due once that share of the submissions is final; then it waits for a grading with
        services to be running (``on_target``), so that one goes through it too, for
        AIM_FOR_S at most."""
        if self.done or finished < self.at_fraction * total:
            return False
        if self.due_since is None:
            self.due_since = time.monotonic()
        return on_target() or time.monotonic() - self.due_since > AIM_FOR_S


def watch(
    url: str,
    total: int,
    plan: list[Disruption],
    deadline: float,
    tick: Callable[[], None],
    on_target: Callable[[], bool] = lambda: True,
) -> float:
    """Run the disruptions as the gradings progress; returns when all are final."""
    last_print = 0.0
    while True:
        status = counts(url)
        finished = sum(status[s] for s in FINAL)
        for step in plan:
            if step.ready(finished, total, on_target):
                aimed = "a grading with services running" if on_target() else "none running"
                say(f"{finished}/{total} finished ({aimed}): {step.name}")
                step.action()
                step.done = True
        if time.monotonic() - last_print > 15:
            say(f"progress: {dict(sorted(status.items()))}")
            last_print = time.monotonic()
        tick()
        if finished == total and all(step.done for step in plan):
            return time.monotonic()
        if time.monotonic() > deadline:
            raise TimeoutError(f"not finished in time: {dict(status)}")
        time.sleep(1)


def history(url: str) -> dict[str, list[tuple[str, str]]]:
    with session_scope(url) as session:
        rows = session.execute(
            text("SELECT submission_id, status, detail FROM submission_events ORDER BY id")
        )
        events: dict[str, list[tuple[str, str]]] = {}
        for submission_id, status, detail in rows:
            events.setdefault(str(submission_id), []).append((str(status), str(detail)))
        return events


def reports(url: str) -> dict[str, dict[str, Any]]:
    with session_scope(url) as session:
        rows = session.execute(text("SELECT submission_id, report FROM reports"))
        return {
            str(sid): (report if isinstance(report, dict) else json.loads(report))
            for sid, report in rows
        }


def check(
    url: str, made: dict[str, str], workers: Workers, docker: Docker, data: Path
) -> tuple[list[str], dict[str, int]]:
    """Every problem found (``made``: submission id -> "challenge/variant"), and the figures."""
    events, stored = history(url), reports(url)
    problems = graded_once(made, events, stored, workers.graded_lines())
    problems += scored_alike(made, stored)
    problems += [f"worker {line}" for line in workers.died]
    return problems + left_behind(docker, data), figures(events, made)


def graded_once(
    made: dict[str, str],
    events: dict[str, list[tuple[str, str]]],
    stored: dict[str, dict[str, Any]],
    graded_lines: Counter[str],
) -> list[str]:
    """Each submission: graded, one final status change, one report, graded by one worker."""
    problems: list[str] = []
    for sid, kind in made.items():
        finals = [s for s, _d in events.get(sid, []) if s in FINAL]
        if finals != ["graded"]:
            problems.append(f"{sid} ({kind}): final statuses {finals}, history {events.get(sid)}")
        if sid not in stored:
            problems.append(f"{sid} ({kind}): no report")
        if graded_lines[sid] > 1:
            problems.append(f"{sid}: graded {graded_lines[sid]} times by the workers")
    return problems


def scored_alike(made: dict[str, str], stored: dict[str, dict[str, Any]]) -> list[str]:
    """The same status and skill scores for every submission of one (challenge, variant): they
    are the same code (version control aside: each is a commit of its own)."""
    scores: dict[str, set[tuple[Any, ...]]] = {}
    for sid, kind in made.items():
        if sid in stored:
            skills = stored[sid]["skills"]
            suite = tuple(skills[s]["score"] for s in sorted(skills) if s != "version_control")
            scores.setdefault(kind, set()).add((stored[sid]["status"], *suite))
    return [
        f"{kind} submissions were scored differently: {sorted(seen)}"
        for kind, seen in sorted(scores.items())
        if len(seen) != 1
    ]


def left_behind(docker: Docker, data: Path) -> list[str]:
    """What the gradings left once the workers stopped: sandbox and service containers and
    the grader's networks in the soak's engine, ``grading-*`` folders in the data folder."""
    problems = [f"container left behind: {line}" for line in docker.containers_left()]
    problems += [f"network left behind: {line}" for line in docker.networks_left()]
    tmp = (data / "tmp").glob("grading-*")
    return problems + [f"temporary folder left behind: {p}" for p in tmp]


def figures(events: dict[str, list[tuple[str, str]]], made: dict[str, str]) -> dict[str, int]:
    every = [(s, d) for sid in made for s, d in events.get(sid, [])]
    return {
        "claims": sum(1 for s, _d in every if s == "running"),
        "retries (infrastructure failure, released)": sum(
            1 for s, d in every if s == "queued" and d.startswith("infrastructure failure")
        ),
        "recoveries (lease expired)": sum(
            1 for s, d in every if s == "queued" and d.startswith("recovered: the worker's lease")
        ),
        "recoveries (job lost from the queue)": sum(
            1 for s, d in every if s == "queued" and d.startswith("recovered: its job was lost")
        ),
        "submissions retried at least once": sum(
            1 for sid in made if sum(1 for s, _d in events.get(sid, []) if s == "running") > 1
        ),
    }
