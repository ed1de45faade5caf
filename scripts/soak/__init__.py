"""The soak test: many submissions through several workers while the services under them fail.

    make soak            # or: .venv/bin/python -m scripts.soak [--submissions 200] [--workers 2]

What it does, in order:

1. A clean deployment under ``.grader/soak``: its own data folder, a fresh
   database (PostgreSQL from ``GRADER_TEST_POSTGRES_URL`` when set, in a
   schema ``soak``; otherwise SQLite), and, unless ``--shared-services``, its
   own Redis server (port 6390) and its own Docker engine (a second dockerd on
   a socket under .grader/soak), so that the restarts below disturb nothing
   else running on this machine.
2. Bare repositories under the data folder's ``repos/`` (which workers may
   fetch from): the solution and the starter of word-frequency and of
   leaderboard-redis (a Redis sidecar: about one submission in five,
   ``--service-share``), each with one branch per submission, so that every
   submission is a distinct commit and is graded for real (nothing
   deduplicated). The images their gradings need (sandbox, Redis service and
   the services' base) are copied into the private engine.
3. All submissions queued at once, then the workers started (`grader worker`
   processes), then, as the gradings progress: one worker and everything it
   started killed with SIGKILL and a replacement started; Redis shut down
   (``redis-cli shutdown nosave``) and started again as scripts/engine.sh
   does; the Docker engine stopped (``kill`` of dockerd) and started again as
   scripts/engine.sh does. Each waits (a minute at most) for a grading with
   services to be running, and the worker killed is one running it.
4. Checks: every submission finished, graded, with exactly one report and one
   final status change; the submissions of each (challenge, variant) scored
   alike; once the workers stopped, no sandbox or service container, no
   network of the grader's in the soak's engine and no ``grading-*`` folder
   left behind. Prints the figures: wall time, submissions per minute,
   retries and recoveries counted from the status history. Exits 1 if any
   check fails or the run exceeds ``--timeout``.

Its parts: ``common`` (the project's root, the log line, running commands),
``services`` (the Redis server and the Docker engine it restarts),
``workers`` (the `grader worker` processes), ``deployment`` (the data folder,
the database, the mix, the repositories and the submissions), ``images``
(those the gradings need, for the private engine), ``checks`` (watching the
run and checking its outcome) and ``__main__`` (the options and one run).
"""
