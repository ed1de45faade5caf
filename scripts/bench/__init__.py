"""`make bench`: how fast the grader is, against the physical limit and a naive grader (issue 9).

Everything is measured in one run, interleaved, so that the ratios stay
meaningful on a shared, noisy machine:

- reference 1, the physical limit: the same hidden suite, run with the same
  command as the sandbox's supervisor, on the same working tree, in an
  already-running container of the same image (`docker exec`, timed inside
  the container): no container to create, no tree to copy, no git, no queue;
- reference 2, the naive grader: per submission a `git clone`, the hidden
  suite copied in, and one `docker run --rm -v <checkout>:/work` running pytest;
- the grader: `pipeline.grade()` in-process (per-stage timings and the
  sandbox stage's Docker calls), `grader grade` as a subprocess, and the
  server path (HTTP POST to a `uvicorn` subprocess -> Redis -> a `grader
  worker` subprocess -> report stored, polled over HTTP);
- throughput with one and two workers against the same number of lanes of
  each reference, and the workers' peak resident memory (process and
  children, sampled from /proc; containers are not the worker's children);
- a profile of where the overhead goes.

Nothing here changes the grader: the sandbox stage's split comes from
wrapping the Docker client of an in-process Engine. The bench uses its own
data folder (images and inventories copied from the shared one), its own
SQLite database and a dedicated Redis database (flushed before and after;
default db 14, never the tests' db 15). See docs/benchmark.md.

The modules, in the order a run uses them: ``harness`` (the bench's own
deployment), ``subjects`` (what is graded), ``physical`` and ``naive`` (the two
references), ``gradings`` and ``api_queue`` (the grader's three paths),
``latency``, ``throughput``, ``profiling`` (with ``containers``) and
``isolation`` (the phases), ``report`` (targets and the table), ``run`` and
``__main__`` (the command line).
"""
