from decimal import Decimal as D

import pytest

from inventory.pricing import bulk_discount, line_total, order_totals, to_cents


@pytest.mark.parametrize("quantity, rate", [
    (1, "0"), (9, "0"), (10, "0.02"), (49, "0.02"), (50, "0.05"), (99, "0.05"), (100, "0.10"),
    (1000, "0.10"),
])
def test_bulk_discount_thresholds_are_inclusive(quantity, rate):
    assert bulk_discount(quantity) == D(rate)


@pytest.mark.parametrize("amount, cents", [
    ("0.125", "0.13"), ("2.675", "2.68"), ("1.005", "1.01"), ("0.124", "0.12"), ("7", "7.00"),
])
def test_to_cents_rounds_halves_up(amount, cents):
    assert to_cents(D(amount)) == D(cents)


def test_line_total_applies_discount_then_rounds():
    assert line_total(D("3.00"), 2) == D("6.00")
    assert line_total(D("10.00"), 10) == D("98.00")
    assert line_total(D("1.25"), 11) == D("13.48")  # 13.475


def test_line_total_rejects_empty_lines():
    with pytest.raises(ValueError):
        line_total(D("1.00"), 0)


def test_order_totals_round_the_tax():
    totals = order_totals([(D("19.99"), 3), (D("4.50"), 10), (D("0.35"), 1)], D("0.2"))
    assert (totals.subtotal, totals.tax, totals.total) == (D("104.42"), D("20.88"), D("125.30"))


def test_order_totals_of_nothing():
    totals = order_totals([], D("0.2"))
    assert (totals.subtotal, totals.tax, totals.total) == (0, 0, 0)
