"""The queues' order, against a real Redis: a worker takes live gradings before regrades."""

from __future__ import annotations

from pathlib import Path

from rq import Queue

from grader import jobs, queue, regrade_job
from grader.worker import worker_queues
from tests.support.regrades import settings_on
from tests.support.services import redis_server


def test_a_waiting_live_grading_goes_before_a_regrade_queued_earlier(tmp_path: Path) -> None:
    with redis_server(tmp_path / "redis") as server:
        settings = settings_on("sqlite://", tmp_path).model_copy(update={"redis_url": server.url})
        assert queue.enqueue_regrade(settings, 7, timeout_s=60)
        assert queue.enqueue_regrade(settings, 8, timeout_s=60)
        assert queue.enqueue(settings, "live-submission", timeout_s=60)
        queues = worker_queues(settings, queue.grading_queue(settings))
        taken = []
        for _ in range(3):  # as rq's worker dequeues: the first queue with a job wins
            found = Queue.dequeue_any(queues, None, connection=queues[0].connection)
            assert found is not None
            job, _from = found
            taken.append(job.id)
            # the names rq imports when it runs the job resolve to the functions
            expected = jobs.run_grading if job.id.startswith("grade-") else regrade_job.run_shadow
            assert job.func is expected
        assert taken == ["grade-live-submission", "regrade-7", "regrade-8"]
        assert Queue.dequeue_any(queues, None, connection=queues[0].connection) is None
