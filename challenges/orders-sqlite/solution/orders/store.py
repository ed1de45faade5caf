"""The data-access layer of the order service, on the standard library's sqlite3.

Every public method that writes runs in one transaction: it commits when it
returns and rolls back when it raises, so a failure half-way (a constraint, a
trigger, a crash of the database) leaves no partial order behind. Reads use a
fixed number of queries however many orders or lines they return.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from orders.errors import DuplicateError, InsufficientStock, InvalidOrder, NotFound
from orders.models import Order, OrderLine

SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL CHECK (length(name) > 0),
    email TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS products (
    id          INTEGER PRIMARY KEY,
    sku         TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
    stock       INTEGER NOT NULL CHECK (stock >= 0)
);
CREATE TABLE IF NOT EXISTS orders (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    status      TEXT    NOT NULL DEFAULT 'placed' CHECK (status IN ('placed', 'cancelled')),
    created_at  TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS order_items (
    order_id         INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id       INTEGER NOT NULL REFERENCES products (id),
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0),
    PRIMARY KEY (order_id, product_id)
);
CREATE INDEX IF NOT EXISTS orders_by_customer ON orders (customer_id);
CREATE INDEX IF NOT EXISTS order_items_by_product ON order_items (product_id);
"""
# order_items (order_id, ...) lookups use the primary key's index.

ORDER_COLUMNS = "o.id, o.customer_id, o.status, o.created_at"
LINE_QUERY = """
    SELECT i.order_id, i.product_id, p.sku, i.quantity, i.unit_price_cents
    FROM order_items AS i JOIN products AS p ON p.id = i.product_id
"""


class OrderStore:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        conn.execute("PRAGMA foreign_keys = ON")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work: commit on success, roll back on any error."""
        conn = self.conn
        if conn.in_transaction:  # finish whatever the caller left open first
            conn.commit()
        try:
            if not conn.in_transaction:
                # Take the write lock up front, so the reads that decide a write
                # (stock levels, an order's status) cannot go stale before it.
                conn.execute("BEGIN IMMEDIATE")
            yield conn
        except BaseException:
            conn.rollback()
            raise
        else:
            conn.commit()

    def create_schema(self) -> None:
        with self._transaction() as conn:
            for statement in filter(str.strip, SCHEMA.split(";")):
                conn.execute(statement)

    # -- customers and products ---------------------------------------------

    def add_customer(self, name: str, email: str) -> int:
        try:
            with self._transaction() as conn:
                cur = conn.execute("INSERT INTO customers (name, email) VALUES (?, ?)",
                                   (name, email))
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" in str(exc):
                raise DuplicateError(f"email {email!r} is taken") from exc
            raise
        assert cur.lastrowid is not None
        return cur.lastrowid

    def add_product(self, sku: str, name: str, price_cents: int, stock: int) -> int:
        return self._insert_products([(sku, name, price_cents, stock)])[0]

    def import_products(self, rows: Iterable[tuple[str, str, int, int]]) -> int:
        """Insert many products in one transaction: all of them or none."""
        return len(self._insert_products(rows))

    def _insert_products(self, rows: Iterable[tuple[str, str, int, int]]) -> list[int]:
        ids = []
        try:
            with self._transaction() as conn:
                for row in rows:
                    cur = conn.execute("INSERT INTO products (sku, name, price_cents, stock) "
                                       "VALUES (?, ?, ?, ?)", row)
                    assert cur.lastrowid is not None
                    ids.append(cur.lastrowid)
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" in str(exc):
                raise DuplicateError(f"duplicate SKU: {exc}") from exc
            raise
        return ids

    def set_price(self, product_id: int, price_cents: int) -> None:
        with self._transaction() as conn:
            cur = conn.execute("UPDATE products SET price_cents = ? WHERE id = ?",
                               (price_cents, product_id))
            if cur.rowcount == 0:
                raise NotFound(f"product {product_id}")

    # -- orders ---------------------------------------------------------------

    def place_order(self, customer_id: int, items: Sequence[tuple[int, int]]) -> int:
        if not items:
            raise InvalidOrder("an order needs at least one line")
        product_ids = [product_id for product_id, _ in items]
        if len(set(product_ids)) != len(product_ids):
            raise InvalidOrder("a product is listed twice")
        if any(quantity < 1 for _, quantity in items):
            raise InvalidOrder("quantities must be at least 1")
        with self._transaction() as conn:
            if conn.execute("SELECT 1 FROM customers WHERE id = ?", (customer_id,)).fetchone() is None:
                raise NotFound(f"customer {customer_id}")
            marks = ",".join("?" * len(product_ids))
            found = {row[0]: row[1:] for row in conn.execute(
                f"SELECT id, price_cents, stock FROM products WHERE id IN ({marks})", product_ids)}
            for product_id, quantity in items:
                if product_id not in found:
                    raise NotFound(f"product {product_id}")
                if found[product_id][1] < quantity:
                    raise InsufficientStock(f"product {product_id}: {found[product_id][1]} left, "
                                            f"{quantity} asked")
            created_at = datetime.now(UTC).isoformat(timespec="microseconds")
            order_id = conn.execute("INSERT INTO orders (customer_id, status, created_at) "
                                    "VALUES (?, 'placed', ?)", (customer_id, created_at)).lastrowid
            for product_id, quantity in items:
                conn.execute("UPDATE products SET stock = stock - ? WHERE id = ?",
                             (quantity, product_id))
                conn.execute("INSERT INTO order_items (order_id, product_id, quantity, "
                             "unit_price_cents) VALUES (?, ?, ?, ?)",
                             (order_id, product_id, quantity, found[product_id][0]))
        assert order_id is not None
        return order_id

    def cancel_order(self, order_id: int) -> None:
        """Mark an order cancelled and put its units back in stock, atomically."""
        with self._transaction() as conn:
            row = conn.execute("SELECT status FROM orders WHERE id = ?", (order_id,)).fetchone()
            if row is None:
                raise NotFound(f"order {order_id}")
            if row[0] == "cancelled":
                raise InvalidOrder(f"order {order_id} is already cancelled")
            conn.execute("UPDATE orders SET status = 'cancelled' WHERE id = ?", (order_id,))
            lines = conn.execute("SELECT product_id, quantity FROM order_items WHERE order_id = ?",
                                 (order_id,)).fetchall()
            for product_id, quantity in lines:
                conn.execute("UPDATE products SET stock = stock + ? WHERE id = ?",
                             (quantity, product_id))

    def get_order(self, order_id: int) -> Order:
        orders = self._orders("WHERE o.id = ?", (order_id,))
        if not orders:
            raise NotFound(f"order {order_id}")
        return orders[0]

    def list_orders(self, customer_id: int) -> list[Order]:
        """The customer's orders, oldest first (by id), each with its lines."""
        return self._orders("WHERE o.customer_id = ?", (customer_id,))

    def _orders(self, where: str, params: tuple[object, ...]) -> list[Order]:
        """Orders matching `where` with their lines, in exactly two queries."""
        rows = self.conn.execute(
            f"SELECT {ORDER_COLUMNS} FROM orders AS o {where} ORDER BY o.id", params).fetchall()
        if not rows:
            return []
        lines: dict[int, list[OrderLine]] = defaultdict(list)
        for order_id, product_id, sku, quantity, unit_price in self.conn.execute(
                f"{LINE_QUERY} WHERE i.order_id IN (SELECT o.id FROM orders AS o {where}) "
                "ORDER BY i.order_id, i.product_id", params):
            lines[order_id].append(OrderLine(product_id, sku, quantity, unit_price))
        return [Order(oid, cid, status, created, tuple(lines[oid]))
                for oid, cid, status, created in rows]

    def best_sellers(self, limit: int = 10) -> list[tuple[str, int]]:
        """(sku, units sold) over orders not cancelled, most units first, then by SKU."""
        return [(sku, units) for sku, units in self.conn.execute(
            "SELECT p.sku, SUM(i.quantity) AS units "
            "FROM order_items AS i "
            "JOIN orders AS o ON o.id = i.order_id AND o.status = 'placed' "
            "JOIN products AS p ON p.id = i.product_id "
            "GROUP BY p.id ORDER BY units DESC, p.sku LIMIT ?", (limit,))]
