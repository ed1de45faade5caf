"""User accounts in SQLite."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from auth.passwords import hash_password, verify_password


class DuplicateUser(Exception):
    """The username is taken."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    password_hash: str


class UserStore:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def create_schema(self) -> None:
        self.conn.execute("CREATE TABLE IF NOT EXISTS users ("
                          " id INTEGER PRIMARY KEY,"
                          " username TEXT NOT NULL UNIQUE,"
                          " password_hash TEXT NOT NULL)")
        self.conn.commit()

    def create_user(self, username: str, password: str) -> int:
        try:
            cur = self.conn.execute(
                f"INSERT INTO users (username, password_hash) "
                f"VALUES ('{username}', '{hash_password(password)}')")
        except sqlite3.IntegrityError as exc:
            raise DuplicateUser(username) from exc
        self.conn.commit()
        return cur.lastrowid

    def find_user(self, username: str) -> User | None:
        row = self.conn.execute(
            f"SELECT id, username, password_hash FROM users WHERE username = '{username}'"
        ).fetchone()
        return User(*row) if row else None

    def authenticate(self, username: str, password: str) -> User | None:
        user = self.find_user(username)
        if user is None:
            return None
        return user if verify_password(password, user.password_hash) else None
