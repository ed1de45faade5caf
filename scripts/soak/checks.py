"""Watching a soak run and checking its outcome.

``watch`` runs the disruptions as the gradings progress and returns when every
submission is final; ``check`` lists the problems (a submission not graded
exactly once, with one report; variants scored differently; a worker that
died by itself; a sandbox or a temporary folder left behind) and ``figures``
counts the claims, retries and recoveries from the status history.
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


@dataclass
class Disruption:
    at_fraction: float
    name: str
    action: Callable[[], None]
    done: bool = False


def watch(
    url: str, total: int, plan: list[Disruption], deadline: float, tick: Callable[[], None]
) -> float:
    """Run the disruptions as the gradings progress; returns when all are final."""
    last_print = 0.0
    while True:
        status = counts(url)
        finished = sum(status[s] for s in FINAL)
        for step in plan:
            if not step.done and finished >= step.at_fraction * total:
                say(f"{finished}/{total} finished: {step.name}")
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
    problems: list[str] = []
    events, stored = history(url), reports(url)
    graded_lines = workers.graded_lines()
    scores: dict[str, set[tuple[Any, ...]]] = {}
    for sid, variant in made.items():
        finals = [s for s, _d in events.get(sid, []) if s in FINAL]
        if finals != ["graded"]:
            problems.append(
                f"{sid} ({variant}): final statuses {finals}, history {events.get(sid)}"
            )
        if sid not in stored:
            problems.append(f"{sid} ({variant}): no report")
            continue
        if graded_lines[sid] > 1:
            problems.append(f"{sid}: graded {graded_lines[sid]} times by the workers")
        skills = stored[sid]["skills"]
        suite = tuple(skills[s]["score"] for s in sorted(skills) if s != "version_control")
        scores.setdefault(variant, set()).add((stored[sid]["status"], *suite))
    for variant, seen in scores.items():
        if len(seen) != 1:
            problems.append(f"{variant} submissions were scored differently: {sorted(seen)}")
    problems += [f"worker {line}" for line in workers.died]
    problems += [f"sandbox left behind: {line}" for line in docker.sandboxes()]
    problems += [f"temporary folder left behind: {p}" for p in (data / "tmp").glob("grading-*")]
    return problems, figures(events, made)


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
