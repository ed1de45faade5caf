"""The reported bugs are fixed and the rest still works."""

from decimal import Decimal as D

import pytest

from inventory.importer import parse_stock_csv
from inventory.models import Product, StockRow
from inventory.pricing import bulk_discount, line_total, order_totals, to_cents
from inventory.reports import low_stock, stock_value
from inventory.stock import OutOfStock, Warehouse


def test_bulk_discount_starts_at_each_threshold():
    assert [bulk_discount(q) for q in (1, 9, 10, 11, 49, 50, 99, 100, 500)] == [
        D("0"), D("0"), D("0.02"), D("0.02"), D("0.02"), D("0.05"), D("0.05"), D("0.10"),
        D("0.10")]
    assert line_total(D("10.00"), 10) == D("98.00")
    assert line_total(D("2.00"), 100) == D("180.00")


def test_amounts_round_half_up_to_cents():
    assert to_cents(D("0.125")) == D("0.13")
    assert to_cents(D("2.675")) == D("2.68")
    assert to_cents(D("1.005")) == D("1.01")
    assert to_cents(D("0.124999")) == D("0.12")
    assert line_total(D("0.125"), 1) == D("0.13")
    assert line_total(D("1.25"), 11) == D("13.48")  # 13.75 x 0.98 = 13.475


def test_order_totals():
    totals = order_totals([(D("19.99"), 3), (D("4.50"), 10), (D("0.35"), 1)], D("0.2"))
    assert totals.subtotal == D("104.42")  # 59.97 + 44.10 + 0.35
    assert totals.tax == D("20.88")  # 20.884
    assert totals.total == D("125.30")
    with pytest.raises(ValueError):
        line_total(D("1.00"), 0)


def test_reservations_limit_what_can_be_promised():
    wh = Warehouse()
    wh.receive("A", 10)
    wh.reserve("A", 6)
    with pytest.raises(OutOfStock):
        wh.reserve("A", 5)
    wh.reserve("A", 4)
    assert (wh.on_hand("A"), wh.reserved("A"), wh.available("A")) == (10, 10, 0)
    with pytest.raises(OutOfStock):
        wh.reserve("A", 1)
    with pytest.raises(OutOfStock):
        wh.reserve("never-received", 1)


def test_shipping_consumes_the_reservation():
    wh = Warehouse()
    wh.receive("B", 8)
    wh.reserve("B", 5)
    wh.ship("B", 3)
    assert (wh.on_hand("B"), wh.reserved("B"), wh.available("B")) == (5, 2, 3)
    wh.reserve("B", 3)
    with pytest.raises(ValueError):
        wh.ship("B", 6)
    wh.ship("B", 5)
    assert (wh.on_hand("B"), wh.reserved("B"), wh.available("B")) == (0, 0, 0)


def test_release_and_quantity_validation():
    wh = Warehouse()
    wh.receive("C", 5)
    wh.reserve("C", 4)
    wh.release("C", 3)
    assert (wh.reserved("C"), wh.available("C")) == (1, 4)
    with pytest.raises(ValueError):
        wh.release("C", 2)
    for bad in (0, -1):
        for op in (wh.receive, wh.reserve, wh.release, wh.ship):
            with pytest.raises(ValueError):
                op("C", bad)
    assert (wh.on_hand("C"), wh.reserved("C")) == (5, 1)


CATALOG = {
    "PEN": Product("PEN", "Pen", unit_cost=D("0.40"), unit_price=D("1.20"), reorder_level=20),
    "INK": Product("INK", "Ink", unit_cost=D("3.10"), unit_price=D("7.99"), reorder_level=5),
    "PAD": Product("PAD", "Pad", unit_cost=D("1.15"), unit_price=D("2.50"), reorder_level=10),
}


def test_stock_value_is_at_cost():
    wh = Warehouse()
    wh.receive("PEN", 100)
    wh.receive("INK", 7)
    wh.reserve("INK", 2)
    assert stock_value(wh, CATALOG) == D("61.70")  # 100 x 0.40 + 7 x 3.10


def test_low_stock_report():
    wh = Warehouse()
    wh.receive("PEN", 25)
    wh.receive("INK", 5)
    wh.receive("PAD", 30)
    wh.reserve("PEN", 5)
    wh.reserve("PAD", 21)
    assert low_stock(wh, CATALOG) == ["INK", "PAD", "PEN"]  # 5, 9, 20 available
    wh.release("PEN", 1)
    assert low_stock(wh, CATALOG) == ["INK", "PAD"]


def test_importer_keeps_every_row():
    assert parse_stock_csv("sku,quantity\nPEN,4\nINK, 7") == [StockRow("PEN", 4), StockRow("INK", 7)]
    assert parse_stock_csv("sku,quantity\r\nPEN,4\r\n\r\nINK,0\r\n") == [
        StockRow("PEN", 4), StockRow("INK", 0)]
    assert parse_stock_csv("sku,quantity\n") == []


def test_importer_rejects_bad_lines():
    for text, line in (("sku,quantity\nPEN,4\nINK,-2\n", 3), ("sku,quantity\nPEN\n", 2),
                       ("sku,quantity\nPEN,4,5\n", 2), ("sku,quantity\nPEN,four\n", 2),
                       ("item,count\nPEN,4\n", 1), ("", 1)):
        with pytest.raises(ValueError, match=f"line {line}"):
            parse_stock_csv(text)
