"""The server path and the queue: a submission POSTed to the API, queued in Redis, graded by a
``grader worker``, its report polled over HTTP; and batches of queued gradings for throughput.

A queued grading's timeline comes from the stamps its submission and its rq
job carry (database events, rq's started/ended), not from when the bench's
poller noticed.
"""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from typing import Any

from redis import Redis
from rq.exceptions import NoSuchJobError
from rq.job import Job

from grader import queue as grading
from grader import submissions
from grader.store import repo
from grader.store.db import session_scope
from scripts.bench.common import STAGES, grade_seconds, summary, tripwire_time
from scripts.bench.gradings import check_report
from scripts.bench.harness import Bench
from scripts.bench.subjects import Subject
from tests.support.services import wait_for

LONG_POLL_S = 30.0  # the API path's report requests wait this long at most (?wait=)
THROUGHPUT_POLL_S = 0.25  # the throughput batches poll the database this often


def api_once(bench: Bench, subject: Subject) -> dict[str, Any]:
    """One submission through the API, the queue and a worker, waited for as a client would."""
    started_at = time.time()
    started = time.perf_counter()
    answer = bench.http.post(
        "/api/submissions", json={"challenge": subject.id, "repo": str(subject.repo)}
    )
    posted = time.perf_counter()
    if answer.status_code != 202:
        raise RuntimeError(f"POST /api/submissions: {answer.status_code} {answer.text}")
    submission_id = answer.json()["id"]
    report: dict[str, Any] = {}
    seen: list[float] = []

    # As a client would wait: long polling (?wait=), or plain polling with --poll-interval.
    polling = bench.args.poll_interval > 0
    query = "" if polling else f"?wait={LONG_POLL_S:g}"

    def available() -> bool:
        got = bench.http.get(
            f"/api/submissions/{submission_id}/report{query}", timeout=LONG_POLL_S + 30
        )
        if got.status_code == 200:
            seen.append(time.time())
            report.update(got.json())
            return True
        return False

    wait_for("the report is stored", available, 600, bench.args.poll_interval if polling else 0)
    wall = time.perf_counter() - started
    check_report(bench, subject, report, "API")
    events, suite_s = stored(bench, submission_id)
    detail = job_detail(bench, submission_id)
    grade_s = grade_seconds(report.get("timings", {}))
    return {
        "wall_s": wall,
        "suite_s": suite_s,
        "tripwire_tests_s": events.get("_tripwire_tests_s", 0.0),
        "post_s": posted - started,
        "timings": report.get("timings", {}),
        "queued_to_running_s": events.get("running", 0) - events.get("queued", 0),
        "submit_to_running_s": events.get("running", started_at) - started_at,
        "submit_to_rq_start_s": detail["rq_started"] - started_at,
        "rq_start_to_claim_s": detail["running"] - detail["rq_started"],
        "running_to_stored_s": events.get("graded", 0) - events.get("running", 0),
        "job_overhead_s": events.get("graded", 0) - events.get("running", 0) - grade_s,
        "stored_to_seen_s": seen[0] - events.get("graded", seen[0]),
    }


def job_detail(bench: Bench, submission_id: str) -> dict[str, Any]:
    """One queued grading's timeline: database events, the rq job's stamps, the report."""
    events, suite_s = stored(bench, submission_id)
    final = next((events[s] for s in ("graded", "tampered", "error") if s in events), 0.0)
    try:
        job = Job.fetch(f"grade-{submission_id}", connection=Redis.from_url(bench.args.redis_url))
        deadline = time.monotonic() + 10
        while job.ended_at is None and time.monotonic() < deadline:  # stamped after the DB
            time.sleep(0.05)
            job.refresh()  # type: ignore[no-untyped-call]
    except NoSuchJobError:  # something flushed the bench's Redis database meanwhile
        bench.warnings.append(f"the rq job of {submission_id} vanished from Redis")
        job = Job(f"grade-{submission_id}", connection=Redis.from_url(bench.args.redis_url))

    def stamp(value: datetime | None) -> float:
        if value is None:
            return 0.0
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()

    started, ended = stamp(job.started_at), stamp(job.ended_at)
    return {
        "worker": job.worker_name or "",
        "queued": events.get("queued", 0.0),
        "rq_started": started,
        "running": events.get("running", 0.0),
        "final": final,
        "rq_ended": ended,
        "suite_s": suite_s,
        "grade_s": events.get("_grade_s", 0.0),
        "timings": bench.timings.pop(submission_id, {}),
    }


def stored(bench: Bench, submission_id: str) -> tuple[dict[str, float], float]:
    """When each status was reached, and the suite's own run time the worker stored."""
    out: dict[str, float] = {}
    with session_scope(bench.settings.effective_database_url) as session:
        for event in repo.events_of(session, submission_id):
            at = event.at if event.at.tzinfo else event.at.replace(tzinfo=UTC)
            out.setdefault(event.status, at.timestamp())
        found = repo.report_of(session, submission_id)
        stored = (found.artifacts or {}) if found else {}
        timings = (found.report or {}).get("timings", {}) if found else {}
        out["_grade_s"] = grade_seconds(timings)
        bench.timings[submission_id] = {k: float(v) for k, v in timings.items()}
    artifacts = stored.get("artifacts") or {}
    suite_s = float(artifacts.get("duration_s") or 0.0)
    wires = {w.get("id") for w in stored.get("tripwires") or [] if isinstance(w, dict)}
    out["_tripwire_tests_s"] = tripwire_time(artifacts.get("records") or [], wires)
    return out, suite_s


def grader_batch(bench: Bench, subject: Subject, jobs: int) -> tuple[float, list[str]]:
    """Queue `jobs` gradings for the running workers; the wall time until all are final."""
    url = bench.settings.effective_database_url
    started = time.time()
    with session_scope(url) as session:
        rows = [
            submissions.create(
                session, challenge_id=subject.id, repo_url=str(subject.repo), ref="main"
            )
            for _ in range(jobs)
        ]
        session.commit()
        ids = [row.id for row in rows]
        for row in rows:
            grading.enqueue(bench.settings, row.id, timeout_s=bench.settings.max_job_timeout_s)
    final: dict[str, str] = {}

    def done() -> bool:
        with session_scope(url) as session:
            for i in ids:
                row = repo.get_submission(session, i)
                if row is not None and row.status in repo.FINAL:
                    final[i] = row.status
        return len(final) == len(ids)

    # Polled slowly (the poller runs on the same two cores as the workers), and timed
    # by the stamps the workers stored, not by when the poller noticed.
    wait_for(f"{jobs} gradings finish", done, 900, THROUGHPUT_POLL_S)
    wall = max(stored(bench, i)[0].get(final[i], time.time()) for i in ids) - started
    bad = [status for status in final.values() if status != "graded"]
    if bad:
        bench.warnings.append(f"throughput gradings of {subject.id} ended {bad}")
    return wall, ids


def queue_summary(details: list[dict[str, Any]], wall: float, workers: int) -> dict[str, Any]:
    """Where a queued grading's time goes, from the stamps of its job and its submission."""
    parts = {
        "queued_to_rq_start_s": [d["rq_started"] - d["queued"] for d in details],
        "rq_start_to_claim_s": [d["running"] - d["rq_started"] for d in details],
        "claim_to_report_s": [d["final"] - d["running"] for d in details],
        "of_which_grade_s": [d["grade_s"] for d in details],
        "of_which_suite_s": [d["suite_s"] for d in details],
        "report_to_rq_end_s": [d["rq_ended"] - d["final"] for d in details],
        "rq_job_s": [d["rq_ended"] - d["rq_started"] for d in details],
    }
    gaps = []  # on one worker: a job's end -> the next one's start (dequeue, bookkeeping)
    for worker in {d["worker"] for d in details}:
        mine = sorted((d for d in details if d["worker"] == worker), key=lambda d: d["rq_started"])
        gaps += [
            b["rq_started"] - a["rq_ended"]
            for a, b in itertools.pairwise(mine)
            if b["queued"] < a["rq_ended"]  # the next job was waiting: not an idle spell
        ]
    out: dict[str, Any] = {key: summary(values) for key, values in parts.items()}
    out["between_jobs_on_a_worker_s"] = summary(gaps) if gaps else None
    out["stages"] = {
        stage: summary([d["timings"].get(stage, 0.0) for d in details]) for stage in STAGES
    }
    busy = sum(d["rq_ended"] - d["rq_started"] for d in details)
    out["worker_busy_fraction"] = round(busy / (wall * workers), 3) if wall else None
    out["jobs_per_worker"] = sorted(
        sum(1 for d in details if d["worker"] == w) for w in {d["worker"] for d in details}
    )
    return out
