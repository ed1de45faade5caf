from decimal import Decimal as D

import pytest

from inventory.models import Product
from inventory.reports import low_stock, stock_value
from inventory.stock import Warehouse


@pytest.fixture
def catalog():
    return {
        "PEN": Product("PEN", "Pen", D("0.40"), D("1.20"), reorder_level=20),
        "INK": Product("INK", "Ink", D("3.10"), D("7.99"), reorder_level=5),
        "PAD": Product("PAD", "Pad", D("1.15"), D("2.50"), reorder_level=10),
    }


def test_stock_value_counts_units_on_hand_at_cost(catalog):
    wh = Warehouse()
    wh.receive("PEN", 100)
    wh.receive("INK", 7)
    wh.reserve("INK", 2)  # reserved units are still ours
    assert stock_value(wh, catalog) == D("61.70")


def test_stock_value_rounds_to_cents(catalog):
    wh = Warehouse()
    wh.receive("PAD", 3)
    assert stock_value(wh, catalog) == D("3.45")


def test_low_stock_includes_items_at_the_reorder_level(catalog):
    wh = Warehouse()
    wh.receive("PEN", 21)
    wh.receive("INK", 5)
    wh.receive("PAD", 11)
    assert low_stock(wh, catalog) == ["INK"]


def test_low_stock_uses_availability_and_sorts(catalog):
    wh = Warehouse()
    wh.receive("PEN", 25)
    wh.receive("PAD", 30)
    wh.reserve("PEN", 6)
    wh.reserve("PAD", 22)
    assert low_stock(wh, catalog) == ["INK", "PAD", "PEN"]  # 0, 8, 19 available
