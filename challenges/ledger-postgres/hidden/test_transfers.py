"""Transfers move money once, exactly, or not at all."""

import pytest
from conftest import sql

import ledger


def test_a_transfer_moves_money_and_is_recorded(dsn):
    a, b = ledger.open_account(dsn, "ada", 1000), ledger.open_account(dsn, "bob", 50)
    transfer_id = ledger.transfer(dsn, a, b, 300, "pay-1")
    assert isinstance(transfer_id, int)
    assert (ledger.balance(dsn, a), ledger.balance(dsn, b)) == (700, 350)
    assert sql(dsn, "SELECT from_id, to_id, amount_cents FROM transfers") == [(a, b, 300)]


def test_a_retry_with_the_same_key_moves_nothing_more(dsn):
    a, b = ledger.open_account(dsn, "ada", 1000), ledger.open_account(dsn, "bob", 0)
    first = ledger.transfer(dsn, a, b, 100, "retry-me")
    assert ledger.transfer(dsn, a, b, 100, "retry-me") == first
    assert (ledger.balance(dsn, a), ledger.balance(dsn, b)) == (900, 100)


def test_insufficient_funds_is_a_value_error_and_changes_nothing(dsn):
    a, b = ledger.open_account(dsn, "ada", 100), ledger.open_account(dsn, "bob", 0)
    with pytest.raises(ValueError):
        ledger.transfer(dsn, a, b, 101, "too-much")
    assert (ledger.balance(dsn, a), ledger.balance(dsn, b)) == (100, 0)
    assert sql(dsn, "SELECT count(*) FROM transfers") == [(0,)]


@pytest.mark.parametrize("amount", [0, -5])
def test_a_non_positive_amount_is_a_value_error(dsn, amount):
    a, b = ledger.open_account(dsn, "ada", 100), ledger.open_account(dsn, "bob", 0)
    with pytest.raises(ValueError):
        ledger.transfer(dsn, a, b, amount, f"bad-{amount}")
    assert ledger.balance(dsn, a) == 100


def test_an_unknown_account_is_a_lookup_error_and_changes_nothing(dsn):
    a = ledger.open_account(dsn, "ada", 100)
    with pytest.raises(LookupError):
        ledger.transfer(dsn, a, a + 1000, 10, "nobody")
    with pytest.raises(LookupError):
        ledger.balance(dsn, a + 1000)
    assert ledger.balance(dsn, a) == 100


def test_money_is_conserved_over_many_transfers(dsn):
    accounts = [ledger.open_account(dsn, f"user{i}", 1000) for i in range(4)]
    for n in range(40):
        payer, payee = accounts[n % 4], accounts[(n * 3 + 1) % 4]
        if payer != payee:
            ledger.transfer(dsn, payer, payee, 7 + n, f"k-{n}")
    assert sum(ledger.balance(dsn, a) for a in accounts) == 4000
