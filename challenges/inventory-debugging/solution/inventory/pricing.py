"""Prices: bulk discounts, rounding to cents, tax."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from inventory.models import Totals

CENT = Decimal("0.01")

# (minimum quantity, discount): a line of at least that many units gets the discount.
BULK_DISCOUNTS = (
    (100, Decimal("0.10")),
    (50, Decimal("0.05")),
    (10, Decimal("0.02")),
)


def to_cents(amount: Decimal) -> Decimal:
    """Round to whole cents, halves away from zero (0.125 -> 0.13)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def bulk_discount(quantity: int) -> Decimal:
    """The discount rate for a line of `quantity` units."""
    for minimum, rate in BULK_DISCOUNTS:
        if quantity >= minimum:
            return rate
    return Decimal("0")


def line_total(unit_price: Decimal, quantity: int) -> Decimal:
    """unit_price x quantity, less the bulk discount, rounded to cents."""
    if quantity < 1:
        raise ValueError("quantity must be at least 1")
    return to_cents(unit_price * quantity * (1 - bulk_discount(quantity)))


def order_totals(lines: Iterable[tuple[Decimal, int]], tax_rate: Decimal) -> Totals:
    """Subtotal of the (discounted, rounded) lines, tax on the subtotal, total."""
    subtotal = sum((line_total(price, quantity) for price, quantity in lines), Decimal("0"))
    tax = to_cents(subtotal * tax_rate)
    return Totals(subtotal=subtotal, tax=tax, total=subtotal + tax)
