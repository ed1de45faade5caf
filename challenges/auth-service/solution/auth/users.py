"""User accounts in SQLite."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from auth.passwords import DUMMY_HASH, hash_password, verify_password


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
        with self.conn:
            self.conn.execute("CREATE TABLE IF NOT EXISTS users ("
                              " id INTEGER PRIMARY KEY,"
                              " username TEXT NOT NULL UNIQUE,"
                              " password_hash TEXT NOT NULL)")

    def create_user(self, username: str, password: str) -> int:
        password_hash = hash_password(password)
        try:
            with self.conn:
                cur = self.conn.execute(
                    "INSERT INTO users (username, password_hash) VALUES (?, ?)",
                    (username, password_hash))
        except sqlite3.IntegrityError as exc:
            raise DuplicateUser(username) from exc
        assert cur.lastrowid is not None
        return cur.lastrowid

    def find_user(self, username: str) -> User | None:
        row = self.conn.execute(
            "SELECT id, username, password_hash FROM users WHERE username = ?",
            (username,)).fetchone()
        return User(*row) if row else None

    def authenticate(self, username: str, password: str) -> User | None:
        user = self.find_user(username)
        if user is None:
            verify_password(password, DUMMY_HASH)  # same cost as a wrong password
            return None
        return user if verify_password(password, user.password_hash) else None
