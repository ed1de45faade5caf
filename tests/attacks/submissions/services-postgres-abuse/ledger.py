"""Attack on a grading's PostgreSQL: remember something for the next grading, fill its
disk, and hold connections with queries that never end, then fail every call.

Each grading gets a fresh PostgreSQL, so the table of an earlier grading is never there.
"""

import os
import threading

import psycopg

DSN = os.environ["DATABASE_URL"]


def _persisted():
    with psycopg.connect(DSN, autocommit=True) as conn:
        found = conn.execute("SELECT to_regclass('public.attack_marker')").fetchone()[0]
        conn.execute("CREATE TABLE IF NOT EXISTS attack_marker (n int)")
        return "yes" if found else "no"


PERSISTED = _persisted()


def _fill():
    try:
        with psycopg.connect(DSN, autocommit=True) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS attack_fill (blob text)")
            for _ in range(400):
                conn.execute(  # 1 MB of random hex a row: TOAST cannot compress it away
                    "INSERT INTO attack_fill "
                    "SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 32768)"
                )
    except psycopg.Error as exc:
        return f"full: {type(exc).__name__}"
    return "never full"


FILLED = _fill()


def _sleep_forever():
    try:
        with psycopg.connect(DSN, autocommit=True) as conn:
            conn.execute("SELECT pg_sleep(100000)")
    except psycopg.Error:
        pass


for _ in range(30):
    threading.Thread(target=_sleep_forever, daemon=True).start()


def _refuse(*args, **kwargs):
    raise NotImplementedError(f"persisted: {PERSISTED}; {FILLED}")


migrate = open_account = balance = transfer = history = _refuse
