"""SQLite storage for to-dos: one short-lived connection per operation.

A connection per operation keeps the store safe to use from the worker threads
FastAPI serves sync endpoints on, and every write runs in its own transaction.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS todos (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    title       TEXT    NOT NULL COLLATE NOCASE UNIQUE
                        CHECK (length(title) BETWEEN 1 AND 200),
    description TEXT    CHECK (description IS NULL OR length(description) <= 2000),
    done        INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
    due_date    TEXT,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS todos_done_id ON todos (done, id);
"""

COLUMNS = "id, title, description, done, due_date, created_at"
UPDATABLE = ("title", "description", "done", "due_date")


class DuplicateTitle(Exception):
    """Another to-do already has this title (ignoring case)."""


class TodoStore:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        with self._connect() as conn:
            conn.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=10)
        conn.row_factory = sqlite3.Row
        try:
            with conn:  # commit on success, roll back on error
                yield conn
        finally:
            conn.close()

    @staticmethod
    def _row(row: sqlite3.Row | None) -> dict[str, Any] | None:
        if row is None:
            return None
        todo = dict(row)
        todo["done"] = bool(todo["done"])
        return todo

    def create(self, fields: dict[str, Any]) -> dict[str, Any]:
        created_at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        values = {**_to_db(fields), "created_at": created_at}
        names = ", ".join(values)
        marks = ", ".join(f":{name}" for name in values)
        try:
            with self._connect() as conn:
                cur = conn.execute(f"INSERT INTO todos ({names}) VALUES ({marks})", values)
                row = conn.execute(
                    f"SELECT {COLUMNS} FROM todos WHERE id = ?", (cur.lastrowid,)
                ).fetchone()
        except sqlite3.IntegrityError as exc:
            raise DuplicateTitle(fields.get("title")) from exc
        todo = self._row(row)
        assert todo is not None
        return todo

    def get(self, todo_id: int) -> dict[str, Any] | None:
        with self._connect() as conn:
            row = conn.execute(f"SELECT {COLUMNS} FROM todos WHERE id = ?", (todo_id,)).fetchone()
        return self._row(row)

    def update(self, todo_id: int, fields: dict[str, Any]) -> dict[str, Any] | None:
        values = {k: v for k, v in _to_db(fields).items() if k in UPDATABLE}
        try:
            with self._connect() as conn:
                if values:
                    assignments = ", ".join(f"{name} = :{name}" for name in values)
                    conn.execute(
                        f"UPDATE todos SET {assignments} WHERE id = :id", {**values, "id": todo_id}
                    )
                row = conn.execute(
                    f"SELECT {COLUMNS} FROM todos WHERE id = ?", (todo_id,)
                ).fetchone()
        except sqlite3.IntegrityError as exc:
            raise DuplicateTitle(fields.get("title")) from exc
        return self._row(row)

    def delete(self, todo_id: int) -> bool:
        with self._connect() as conn:
            return conn.execute("DELETE FROM todos WHERE id = ?", (todo_id,)).rowcount > 0

    def page(self, limit: int, offset: int, done: bool | None) -> tuple[list[dict[str, Any]], int]:
        where, params = ("WHERE done = ?", [int(done)]) if done is not None else ("", [])
        with self._connect() as conn:
            total = conn.execute(f"SELECT count(*) FROM todos {where}", params).fetchone()[0]
            rows = conn.execute(
                f"SELECT {COLUMNS} FROM todos {where} ORDER BY id LIMIT ? OFFSET ?",
                [*params, limit, offset],
            ).fetchall()
        return [t for t in map(self._row, rows) if t is not None], total


def _to_db(fields: dict[str, Any]) -> dict[str, Any]:
    out = dict(fields)
    if "done" in out:
        out["done"] = int(out["done"])
    if out.get("due_date") is not None:
        out["due_date"] = out["due_date"].isoformat()
    return out
