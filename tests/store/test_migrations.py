"""The schema comes from the Alembic migrations alone, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from grader.errors import InfrastructureError
from grader.store import db, repo
from grader.store.db import MIGRATIONS, engine_for, migrate, session_scope
from grader.store.models import Base


def head_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def current_revision(url: str) -> str | None:
    with engine_for(url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_migrate_builds_every_table_from_scratch(empty_url: str) -> None:
    assert inspect(engine_for(empty_url)).get_table_names() == []
    migrate(empty_url)
    tables = set(inspect(engine_for(empty_url)).get_table_names())
    assert tables == {*Base.metadata.tables, "alembic_version"}
    assert current_revision(empty_url) == head_revision()


def test_migrate_twice_changes_nothing_and_keeps_rows(empty_url: str) -> None:
    migrate(empty_url)
    with session_scope(empty_url) as session:
        secret, _row = repo.create_token(session, "admin", "kept")
    migrate(empty_url)
    assert current_revision(empty_url) == head_revision()
    with session_scope(empty_url) as session:
        token = repo.token_for_secret(session, secret)
        assert token is not None and token.name == "kept"
    with engine_for(empty_url).connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    assert [v for (v,) in versions] == [head_revision()]


def test_the_models_and_the_migrations_agree(db_url: str) -> None:
    """What autogenerate would write for the models is empty: no migration is missing."""
    with engine_for(db_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences: list[Any] = compare_metadata(context, Base.metadata)
    assert differences == []


def test_an_unreachable_database_is_an_infrastructure_error() -> None:
    url = "postgresql+psycopg://nobody:wrong@127.0.0.1:1/nothing?connect_timeout=2"
    with pytest.raises(InfrastructureError, match="database migration failed"):
        migrate(url)
    engine_for(url).dispose()


def _migrate_in_a_process(url: str, start: Any, out: Any) -> None:
    start.wait()
    try:
        migrate(url)
        out.put("ok")
    except Exception as exc:
        out.put(f"{type(exc).__name__}: {exc}"[:300])


def test_two_hosts_migrating_a_new_database_at_once_both_succeed(empty_url: str) -> None:
    """The server and the workers all migrate when they start, possibly at the same moment."""
    context = multiprocessing.get_context("spawn")
    start, out = context.Barrier(2), context.Queue()
    processes = [
        context.Process(target=_migrate_in_a_process, args=(empty_url, start, out))
        for _ in range(2)
    ]
    for process in processes:
        process.start()
    results = [out.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    assert results == ["ok", "ok"]
    assert current_revision(empty_url) == head_revision()


def test_the_head_read_from_the_files_is_alembics() -> None:
    assert db.head_revision() == head_revision()


def test_a_database_at_the_head_is_left_alone_without_importing_alembic(db_url: str) -> None:
    """What every worker's start does once the server has migrated."""
    probe = (
        "import sys\n"
        "from grader.store.db import migrate\n"
        f"migrate({db_url!r})\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_database_behind_the_head_is_handed_to_alembic(db_url: str) -> None:
    with engine_for(db_url).begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": "0001"})
    with pytest.raises(InfrastructureError):  # 0002's tables exist: Alembic tried to create them
        migrate(db_url)
