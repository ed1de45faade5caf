"""Schema constraints and atomic transactions."""

import sqlite3

import pytest
from orders import DuplicateError, InsufficientStock, InvalidOrder, NotFound, OrderError


def count(conn, sql, *params):
    return conn.execute(sql, params).fetchone()[0]


def stocks(conn):
    return dict(conn.execute("SELECT sku, stock FROM products"))


def test_place_and_read_back_an_order(store, conn, shop):
    order_id = store.place_order(shop["alice"], [(shop["ink"], 2), (shop["pen"], 3)])
    order = store.get_order(order_id)
    assert order.id == order_id and order.customer_id == shop["alice"]
    assert order.status == "placed" and order.created_at
    assert [(x.product_id, x.sku, x.quantity, x.unit_price_cents) for x in order.lines] == sorted(
        [(shop["pen"], "PEN-1", 3, 150), (shop["ink"], "INK-1", 2, 900)])
    assert order.total_cents == 3 * 150 + 2 * 900
    assert stocks(conn) == {"PEN-1": 7, "INK-1": 3, "PAD-1": 3}
    assert not conn.in_transaction


def test_order_keeps_the_price_paid(store, shop):
    order_id = store.place_order(shop["alice"], [(shop["pen"], 2)])
    store.set_price(shop["pen"], 999)
    assert store.get_order(order_id).lines[0].unit_price_cents == 150
    again = store.place_order(shop["alice"], [(shop["pen"], 1)])
    assert store.get_order(again).total_cents == 999


def test_rejected_orders_write_nothing(store, conn, shop):
    before = stocks(conn)
    with pytest.raises(InsufficientStock):
        store.place_order(shop["alice"], [(shop["pen"], 2), (shop["ink"], 1), (shop["pad"], 4)])
    with pytest.raises(NotFound):
        store.place_order(shop["alice"], [(shop["pen"], 1), (987654, 1)])
    with pytest.raises(NotFound):
        store.place_order(424242, [(shop["pen"], 1)])
    for bad in ([], [(shop["pen"], 0)], [(shop["pen"], 1), (shop["pen"], 2)]):
        with pytest.raises(InvalidOrder):
            store.place_order(shop["alice"], bad)
    assert stocks(conn) == before
    assert count(conn, "SELECT count(*) FROM orders") == 0
    assert count(conn, "SELECT count(*) FROM order_items") == 0
    assert not conn.in_transaction


def test_failure_in_the_middle_of_place_order_rolls_everything_back(store, conn, shop):
    # The database itself fails while the last line is being written, after the
    # order row and the earlier lines (and their stock updates) went through.
    conn.execute(f"""CREATE TRIGGER fail_pad BEFORE INSERT ON order_items
                     WHEN NEW.product_id = {shop['pad']}
                     BEGIN SELECT RAISE(ABORT, 'disk on fire'); END""")
    conn.commit()
    before = stocks(conn)
    with pytest.raises((sqlite3.Error, OrderError)):
        store.place_order(shop["alice"], [(shop["pen"], 1), (shop["ink"], 1), (shop["pad"], 1)])
    assert not conn.in_transaction
    assert stocks(conn) == before
    assert count(conn, "SELECT count(*) FROM orders") == 0
    assert count(conn, "SELECT count(*) FROM order_items") == 0
    # the store is still usable afterwards
    assert store.get_order(store.place_order(shop["alice"], [(shop["pen"], 1)])).total_cents == 150


def test_cancel_restores_stock_once_and_atomically(store, conn, shop):
    order_id = store.place_order(shop["alice"], [(shop["pen"], 4), (shop["pad"], 2)])
    conn.execute(f"""CREATE TRIGGER fail_pad_restock BEFORE UPDATE OF stock ON products
                     WHEN NEW.id = {shop['pad']} AND NEW.stock > OLD.stock
                     BEGIN SELECT RAISE(ABORT, 'restock failed'); END""")
    conn.commit()
    with pytest.raises((sqlite3.Error, OrderError)):
        store.cancel_order(order_id)
    assert not conn.in_transaction
    assert store.get_order(order_id).status == "placed"
    assert stocks(conn) == {"PEN-1": 6, "INK-1": 5, "PAD-1": 1}
    conn.execute("DROP TRIGGER fail_pad_restock")
    conn.commit()
    store.cancel_order(order_id)
    assert store.get_order(order_id).status == "cancelled"
    assert stocks(conn) == {"PEN-1": 10, "INK-1": 5, "PAD-1": 3}
    with pytest.raises(InvalidOrder):
        store.cancel_order(order_id)
    with pytest.raises(NotFound):
        store.cancel_order(999999)
    assert stocks(conn) == {"PEN-1": 10, "INK-1": 5, "PAD-1": 3}


def test_import_is_all_or_nothing(store, conn, shop):
    rows = [(f"BULK-{i:04d}", f"Bulk {i}", 100 + i, i % 7) for i in range(300)]
    rows[250] = ("PEN-1", "Clashes with an existing SKU", 1, 1)
    with pytest.raises(DuplicateError):
        store.import_products(rows)
    assert count(conn, "SELECT count(*) FROM products") == 3
    assert not conn.in_transaction
    del rows[250]
    assert store.import_products(rows) == 299
    assert count(conn, "SELECT count(*) FROM products") == 302


def test_unique_emails_and_skus(store, conn, shop):
    with pytest.raises(DuplicateError):
        store.add_customer("Alice again", "alice@example.com")
    with pytest.raises(DuplicateError):
        store.add_product("INK-1", "Other ink", 1, 1)
    assert count(conn, "SELECT count(*) FROM customers") == 1
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO products (sku, name, price_cents, stock) "
                     "VALUES ('PEN-1', 'raw', 1, 1)")
    conn.rollback()


def test_schema_rejects_invalid_rows(store, conn, shop):
    """The constraints live in the schema, so raw SQL cannot break them either."""
    order_id = store.place_order(shop["alice"], [(shop["pen"], 1)])
    bad_statements = [
        ("UPDATE products SET stock = -1 WHERE id = ?", (shop["ink"],)),
        ("UPDATE products SET price_cents = -5 WHERE id = ?", (shop["ink"],)),
        ("INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) "
         "VALUES (?, ?, 0, 100)", (order_id, shop["ink"])),
        ("INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) "
         "VALUES (?, ?, 1, 100)", (order_id, shop["pen"])),  # same product twice in an order
        ("INSERT INTO orders (customer_id, status, created_at) VALUES (31337, 'placed', 'x')", ()),
        ("INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) "
         "VALUES (31337, ?, 1, 100)", (shop["ink"],)),
        ("INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) "
         "VALUES (?, 31337, 1, 100)", (order_id,)),
        ("UPDATE orders SET status = 'lost' WHERE id = ?", (order_id,)),
        ("INSERT INTO customers (name, email) VALUES ('No mail', NULL)", ()),
    ]
    for sql, params in bad_statements:
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(sql, params)
            pytest.fail(f"accepted: {sql} {params}")
        conn.rollback()


def test_best_sellers_count_placed_orders_only(store, shop):
    bob = store.add_customer("Bob", "bob@example.com")
    store.place_order(shop["alice"], [(shop["pen"], 3), (shop["pad"], 1)])
    store.place_order(bob, [(shop["ink"], 3), (shop["pad"], 1)])
    cancelled = store.place_order(bob, [(shop["pad"], 1), (shop["pen"], 5)])
    store.cancel_order(cancelled)
    assert store.best_sellers(10) == [("INK-1", 3), ("PEN-1", 3), ("PAD-1", 2)]
    assert store.best_sellers(1) == [("INK-1", 3)]
    assert [o.id for o in store.list_orders(bob)] == sorted(o.id for o in store.list_orders(bob))
    assert store.list_orders(store.add_customer("Carol", "carol@example.com")) == []
