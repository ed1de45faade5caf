"""Database engine, sessions and migrations.

``migrate`` leaves a schema already at the newest migration alone without
importing Alembic: the server and every worker migrate at start, and all but
the first find nothing to do, so Alembic's ~10 MB and ~0.1 s would be paid by
every worker for nothing.
"""

from __future__ import annotations

import fcntl
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from grader.errors import InfrastructureError

MIGRATIONS = Path(__file__).parent / "migrations"


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(connection: object, _record: object) -> None:
    cursor = connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the worker's writes
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def migrate(url: str) -> None:
    """Bring the schema to the newest migration (idempotent, safe to run concurrently)."""
    lock_path = None
    if url.startswith("sqlite:///"):
        database = Path(url.removeprefix("sqlite:///"))
        database.parent.mkdir(parents=True, exist_ok=True)
        lock_path = database.with_name(database.name + ".migrate.lock")
    if _at_head(url):
        return
    with _file_lock(lock_path):
        _upgrade(url)


# A migration's own identity lines, as alembic's template writes them.
_REVISION = re.compile(r'^(down_revision|revision) = (?:"(\w+)"|None)$', re.MULTILINE)


def head_revision() -> str | None:
    """The newest migration, read from the files of migrations/versions; None unless they
    form one line of plain ``revision = "..."`` / ``down_revision = ...`` (Alembic decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = {key: value for key, value in _REVISION.findall(path.read_text())}
        if not found.get("revision") or "down_revision" not in found:
            return None
        revisions.add(found["revision"])
        if found["down_revision"]:
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and len(parents) == len(revisions) - 1 else None


def _at_head(url: str) -> bool:
    """Whether the database's schema is already the newest migration's (False when unsure)."""
    head = head_revision()
    if head is None:
        return False
    try:
        with engine_for(url).connect() as connection:
            found = connection.execute(text("SELECT version_num FROM alembic_version"))
            return list(found.scalars()) == [head]
    except SQLAlchemyError:  # no table yet, or no database: Alembic says what is wrong
        return False


@contextmanager
def _file_lock(path: Path | None) -> Iterator[None]:
    """SQLite lives on one host: a file lock serialises its migrations."""
    if path is None:
        yield
        return
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _upgrade(url: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    try:
        with engine_for(url).begin() as connection:
            _serialise(connection)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        raise InfrastructureError(f"database migration failed: {exc}") from exc


MIGRATION_LOCK = 7_201_113  # any constant: the advisory lock's key


def _serialise(connection: Connection) -> None:
    """The server and every worker migrate at start, possibly at the same moment: one at a
    time, or two would both find no tables and both create them.

    PostgreSQL (shared by several hosts): a transaction-level advisory lock. SQLite is
    serialised by a file lock around the whole migration (see migrate).
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """One transaction: committed on success, rolled back on any error."""
    factory = sessionmaker(engine_for(url), expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except SQLAlchemyError as exc:
        session.rollback()
        raise InfrastructureError(f"database error: {exc.__class__.__name__}: {exc}") from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
