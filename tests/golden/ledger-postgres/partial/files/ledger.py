"""The ledger on PostgreSQL, checked in code only: no CHECK constraint, no index (golden partial)."""

import os

import psycopg
from psycopg import errors

DSN = os.environ.get("DATABASE_URL", "")

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    id bigserial PRIMARY KEY,
    owner text NOT NULL,
    balance_cents bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS transfers (
    id bigserial PRIMARY KEY,
    from_id bigint NOT NULL REFERENCES accounts (id),
    to_id bigint NOT NULL REFERENCES accounts (id),
    amount_cents bigint NOT NULL CHECK (amount_cents > 0),
    idempotency_key text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
"""


def migrate(dsn: str = DSN) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(4242)")
        conn.execute(SCHEMA)


def open_account(dsn: str, owner: str, initial_cents: int = 0) -> int:
    if initial_cents < 0:
        raise ValueError("an account cannot open with a negative balance")
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "INSERT INTO accounts (owner, balance_cents) VALUES (%s, %s) RETURNING id",
            (owner, initial_cents),
        ).fetchone()
        return int(row[0])


def balance(dsn: str, account_id: int) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT balance_cents FROM accounts WHERE id = %s", (account_id,)
        ).fetchone()
    if row is None:
        raise LookupError(f"no account {account_id}")
    return int(row[0])


def transfer(dsn: str, from_id: int, to_id: int, amount_cents: int, idempotency_key: str) -> int:
    if amount_cents <= 0:
        raise ValueError("the amount must be positive")
    with psycopg.connect(dsn) as conn:
        done = conn.execute(
            "SELECT id FROM transfers WHERE idempotency_key = %s", (idempotency_key,)
        ).fetchone()
        if done is not None:
            return int(done[0])
        # Lock both accounts in id order: two opposite transfers cannot deadlock.
        found = conn.execute(
            "SELECT id FROM accounts WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
            ([from_id, to_id],),
        ).fetchall()
        if {r[0] for r in found} != {from_id, to_id}:
            raise LookupError("no such account")
        payer = conn.execute(
            "SELECT balance_cents FROM accounts WHERE id = %s", (from_id,)
        ).fetchone()
        if payer[0] < amount_cents:
            raise ValueError("insufficient funds")
        conn.execute(
            "UPDATE accounts SET balance_cents = balance_cents - %s WHERE id = %s",
            (amount_cents, from_id),
        )
        conn.execute(
            "UPDATE accounts SET balance_cents = balance_cents + %s WHERE id = %s",
            (amount_cents, to_id),
        )
        try:
            row = conn.execute(
                "INSERT INTO transfers (from_id, to_id, amount_cents, idempotency_key) "
                "VALUES (%s, %s, %s, %s) RETURNING id",
                (from_id, to_id, amount_cents, idempotency_key),
            ).fetchone()
        except errors.UniqueViolation:  # a concurrent retry won: ours is rolled back
            conn.rollback()
            again = conn.execute(
                "SELECT id FROM transfers WHERE idempotency_key = %s", (idempotency_key,)
            ).fetchone()
            return int(again[0])
        return int(row[0])


def history(dsn: str, account_id: int, limit: int = 20) -> list[dict]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            """
            (SELECT id, from_id, to_id, amount_cents, created_at FROM transfers
              WHERE from_id = %(a)s ORDER BY created_at DESC, id DESC LIMIT %(n)s)
            UNION ALL
            (SELECT id, from_id, to_id, amount_cents, created_at FROM transfers
              WHERE to_id = %(a)s AND from_id <> %(a)s
              ORDER BY created_at DESC, id DESC LIMIT %(n)s)
            ORDER BY created_at DESC, id DESC LIMIT %(n)s
            """,
            {"a": account_id, "n": limit},
        ).fetchall()
    return [
        {"id": r[0], "from_id": r[1], "to_id": r[2], "amount_cents": r[3]} for r in rows
    ]
