"""Each test gets an empty database, migrated by the submission's own migrate()."""

import os

import psycopg
import pytest

import ledger


@pytest.fixture
def dsn():
    url = os.environ["DATABASE_URL"]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    ledger.migrate(url)
    return url


def sql(dsn, query, params=()):
    """The test's own look at the database, apart from the submission's code."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else None
