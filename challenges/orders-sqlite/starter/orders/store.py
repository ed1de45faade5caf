"""The data-access layer of the order service (first draft)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

from orders.errors import InsufficientStock, NotFound
from orders.models import Order, OrderLine

SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (id INTEGER PRIMARY KEY, name TEXT, email TEXT);
CREATE TABLE IF NOT EXISTS products (id INTEGER PRIMARY KEY, sku TEXT, name TEXT,
                                     price_cents INTEGER, stock INTEGER);
CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, customer_id INTEGER,
                                   status TEXT, created_at TEXT);
CREATE TABLE IF NOT EXISTS order_items (order_id INTEGER, product_id INTEGER,
                                        quantity INTEGER, unit_price_cents INTEGER);
"""


class OrderStore:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def create_schema(self) -> None:
        self.conn.executescript(SCHEMA)

    def add_customer(self, name: str, email: str) -> int:
        cur = self.conn.execute("INSERT INTO customers (name, email) VALUES (?, ?)", (name, email))
        self.conn.commit()
        return cur.lastrowid

    def add_product(self, sku: str, name: str, price_cents: int, stock: int) -> int:
        cur = self.conn.execute(
            "INSERT INTO products (sku, name, price_cents, stock) VALUES (?, ?, ?, ?)",
            (sku, name, price_cents, stock))
        self.conn.commit()
        return cur.lastrowid

    def import_products(self, rows: Iterable[tuple[str, str, int, int]]) -> int:
        # TODO
        raise NotImplementedError

    def set_price(self, product_id: int, price_cents: int) -> None:
        # TODO
        raise NotImplementedError

    def place_order(self, customer_id: int, items: Sequence[tuple[int, int]]) -> int:
        cur = self.conn.execute(
            "INSERT INTO orders (customer_id, status, created_at) VALUES (?, 'placed', ?)",
            (customer_id, datetime.now(timezone.utc).isoformat()))
        self.conn.commit()
        order_id = cur.lastrowid
        for product_id, quantity in items:
            row = self.conn.execute("SELECT price_cents, stock FROM products WHERE id = ?",
                                    (product_id,)).fetchone()
            if row is None:
                raise NotFound(f"product {product_id}")
            price, stock = row
            if stock < quantity:
                raise InsufficientStock(f"product {product_id}")
            self.conn.execute("UPDATE products SET stock = stock - ? WHERE id = ?",
                              (quantity, product_id))
            self.conn.commit()
            self.conn.execute(
                "INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) "
                "VALUES (?, ?, ?, ?)", (order_id, product_id, quantity, price))
            self.conn.commit()
        return order_id

    def cancel_order(self, order_id: int) -> None:
        # TODO
        raise NotImplementedError

    def get_order(self, order_id: int) -> Order:
        row = self.conn.execute("SELECT id, customer_id, status, created_at FROM orders "
                                "WHERE id = ?", (order_id,)).fetchone()
        if row is None:
            raise NotFound(f"order {order_id}")
        return Order(*row, lines=tuple(self._lines(order_id)))

    def list_orders(self, customer_id: int) -> list[Order]:
        ids = self.conn.execute("SELECT id FROM orders WHERE customer_id = ?", (customer_id,))
        return [self.get_order(order_id) for (order_id,) in ids.fetchall()]

    def _lines(self, order_id: int) -> list[OrderLine]:
        lines = []
        items = self.conn.execute("SELECT product_id, quantity, unit_price_cents "
                                  "FROM order_items WHERE order_id = ?", (order_id,)).fetchall()
        for product_id, quantity, price in items:
            (sku,) = self.conn.execute("SELECT sku FROM products WHERE id = ?",
                                       (product_id,)).fetchone()
            lines.append(OrderLine(product_id, sku, quantity, price))
        return lines

    def best_sellers(self, limit: int = 10) -> list[tuple[str, int]]:
        # TODO
        raise NotImplementedError
