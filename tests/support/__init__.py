"""Helpers the tests, the bench (scripts/bench/) and the soak test (scripts/soak/) share.

Each lives here once, so that the three do not copy them from each other:

- ``git``: git run with an author identity, away from the caller's GIT_* variables;
- ``processes``: process trees from /proc, killing one, starting a command in a
  process group of its own and stopping such groups;
- ``services``: a free port, waiting for a condition, a Redis server of one's own,
  an ASGI app served in a thread, a data folder seeded with the built images.

Nothing in grader/ or api/ imports this package: production code carries no test
helpers. Importable from the project's root (``python -m pytest``,
``python -m scripts.bench``, ``python -m scripts.soak``).
"""
