import pytest

from inventory.importer import parse_stock_csv
from inventory.models import StockRow


def test_rows_in_file_order():
    text = "sku,quantity\nPEN,4\nINK,7\n"
    assert parse_stock_csv(text) == [StockRow("PEN", 4), StockRow("INK", 7)]


def test_last_row_without_trailing_newline():
    assert parse_stock_csv("sku,quantity\nPEN,4\nINK,7") == [StockRow("PEN", 4), StockRow("INK", 7)]


def test_blank_lines_whitespace_and_crlf():
    text = "sku, quantity\r\n PEN , 4 \r\n\r\nINK,0\r\n"
    assert parse_stock_csv(text) == [StockRow("PEN", 4), StockRow("INK", 0)]


def test_header_only():
    assert parse_stock_csv("sku,quantity\n") == []


@pytest.mark.parametrize("text, line", [
    ("", 1), ("item,count\nPEN,4\n", 1), ("sku,quantity\nPEN\n", 2),
    ("sku,quantity\nPEN,1,2\n", 2), ("sku,quantity\nPEN,4\nINK,-2\n", 3),
    ("sku,quantity\nPEN,4\nINK,x\n", 3), ("sku,quantity\n,4\n", 2),
])
def test_bad_lines_name_their_number(text, line):
    with pytest.raises(ValueError, match=f"line {line}\\b"):
        parse_stock_csv(text)
