"""Storage tests, run on SQLite and on PostgreSQL alike.

The helpers here are shared with the queue tests (tests/grader/test_jobs.py):
``fresh_database`` gives a clean, empty database of either kind and removes
it afterwards. PostgreSQL comes from ``GRADER_TEST_POSTGRES_URL``, which
``make postgres`` (scripts/postgres.sh) provides; without it the PostgreSQL
cases fail, never skip, so that a green run means both databases were tested.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from grader.store.db import engine_for, migrate

POSTGRES_ENV = "GRADER_TEST_POSTGRES_URL"
KINDS = ("sqlite", "postgresql")


def postgres_url() -> str:
    """The server URL the tests may use; fails the test when it is not configured."""
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if not url:
        pytest.fail(
            f"{POSTGRES_ENV} is not set: run `make postgres` and export the URL it prints, "
            f'e.g. export {POSTGRES_ENV}="$(bash scripts/postgres.sh)"',
            pytrace=False,
        )
    return url


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """An empty database: a new SQLite file, or a new PostgreSQL schema; removed afterwards."""
    if kind == "sqlite":
        url = f"sqlite:///{folder / f'grader-{uuid.uuid4().hex[:8]}.db'}"
        try:
            yield url
        finally:
            engine_for(url).dispose()
        return
    with _postgres_schema(postgres_url()) as url:
        yield url


@contextmanager
def _postgres_schema(server_url: str) -> Iterator[str]:
    """A schema of its own per test, so that runs in parallel never see each other's rows."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        admin.dispose()
        pytest.fail(f"PostgreSQL at {POSTGRES_ENV} is not usable ({exc}): run `make postgres`")
    url = (
        make_url(server_url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    try:
        yield url
    finally:
        engine_for(url).dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def migrated_database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh database with the schema built by the migrations, run twice (idempotent)."""
    with fresh_database(kind, folder) as url:
        migrate(url)
        migrate(url)
        yield url
