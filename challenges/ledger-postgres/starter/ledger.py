"""The ledger's data layer (to be written: see the statement)."""

import os

DSN = os.environ.get("DATABASE_URL", "")


def migrate(dsn: str = DSN) -> None:
    raise NotImplementedError


def open_account(dsn: str, owner: str, initial_cents: int = 0) -> int:
    raise NotImplementedError


def balance(dsn: str, account_id: int) -> int:
    raise NotImplementedError


def transfer(dsn: str, from_id: int, to_id: int, amount_cents: int, idempotency_key: str) -> int:
    raise NotImplementedError


def history(dsn: str, account_id: int, limit: int = 20) -> list[dict]:
    raise NotImplementedError
