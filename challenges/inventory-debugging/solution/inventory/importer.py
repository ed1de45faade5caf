"""Stock-count files from the scanners: CSV with a header line `sku,quantity`."""

from __future__ import annotations

from inventory.models import StockRow


def parse_stock_csv(text: str) -> list[StockRow]:
    """Rows of a stock-count file, in file order.

    Blank lines are skipped and whitespace around fields is ignored. A line
    without exactly two fields, or with a quantity that is not a non-negative
    integer, raises ValueError naming its line number (1-based, header is 1).
    """
    lines = text.splitlines()
    if not lines or [f.strip() for f in lines[0].split(",")] != ["sku", "quantity"]:
        raise ValueError("line 1: expected the header 'sku,quantity'")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = [field.strip() for field in line.split(",")]
        if len(fields) != 2 or not fields[0]:
            raise ValueError(f"line {number}: expected 'sku,quantity'")
        sku, quantity = fields
        if not quantity.isdigit() or not quantity.isascii():
            raise ValueError(f"line {number}: bad quantity {quantity!r}")
        rows.append(StockRow(sku, int(quantity)))
    return rows
