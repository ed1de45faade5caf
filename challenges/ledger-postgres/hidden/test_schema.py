"""The schema holds the invariants itself, whatever code writes to it."""

import psycopg
import pytest
from conftest import sql

import ledger


def test_migrate_runs_twice_and_keeps_data(dsn):
    account = ledger.open_account(dsn, "ada", 500)
    ledger.migrate(dsn)
    assert ledger.balance(dsn, account) == 500


def test_the_database_refuses_a_negative_balance(dsn):
    account = ledger.open_account(dsn, "ada", 100)
    with pytest.raises(psycopg.errors.CheckViolation):
        sql(dsn, "UPDATE accounts SET balance_cents = -1 WHERE id = %s", (account,))


def test_the_database_refuses_a_transfer_between_unknown_accounts(dsn):
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        sql(
            dsn,
            "INSERT INTO transfers (from_id, to_id, amount_cents, idempotency_key) "
            "VALUES (998, 999, 5, 'k')",
        )


def test_the_database_refuses_a_second_use_of_an_idempotency_key(dsn):
    a, b = ledger.open_account(dsn, "ada", 100), ledger.open_account(dsn, "bob", 0)
    insert = (
        "INSERT INTO transfers (from_id, to_id, amount_cents, idempotency_key) "
        "VALUES (%s, %s, 5, 'same')"
    )
    sql(dsn, insert, (a, b))
    with pytest.raises(psycopg.errors.UniqueViolation):
        sql(dsn, insert, (a, b))


def test_the_database_refuses_a_zero_amount(dsn):
    a, b = ledger.open_account(dsn, "ada", 100), ledger.open_account(dsn, "bob", 0)
    with pytest.raises(psycopg.errors.CheckViolation):
        sql(
            dsn,
            "INSERT INTO transfers (from_id, to_id, amount_cents, idempotency_key) "
            "VALUES (%s, %s, 0, 'z')",
            (a, b),
        )


def test_a_transfer_is_all_or_nothing(dsn):
    """The credit fails (a trigger of the test's refuses it): the debit is undone too."""
    a, b = ledger.open_account(dsn, "ada", 100), ledger.open_account(dsn, "bob", 0)
    sql(
        dsn,
        """
        CREATE FUNCTION refuse_credit() RETURNS trigger AS $$
        BEGIN
          IF NEW.balance_cents > OLD.balance_cents THEN
            RAISE EXCEPTION 'credits are refused today';
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql;
        CREATE TRIGGER refuse_credit BEFORE UPDATE ON accounts
          FOR EACH ROW EXECUTE FUNCTION refuse_credit();
        """,
    )
    with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises
        ledger.transfer(dsn, a, b, 40, "t-1")
    sql(dsn, "DROP TRIGGER refuse_credit ON accounts")
    assert (ledger.balance(dsn, a), ledger.balance(dsn, b)) == (100, 0)
    assert sql(dsn, "SELECT count(*) FROM transfers") == [(0,)]
