"""Query efficiency: no N+1 queries, indexed lookups, bulk work in one transaction."""

import pytest


def _fill(store, customers, orders_each, lines_each):
    products = [store.add_product(f"SKU-{i:03d}", f"Product {i}", 100 + i, 10_000)
                for i in range(lines_each + 2)]
    ids = []
    for c in range(customers):
        cid = store.add_customer(f"Customer {c}", f"c{c}@example.com")
        for o in range(orders_each):
            chosen = products[o % 2: o % 2 + lines_each]
            store.place_order(cid, [(p, 1 + (o + k) % 3) for k, p in enumerate(chosen)])
        ids.append(cid)
    return ids


def test_list_orders_uses_a_constant_number_of_queries(store, query_log):
    products = [store.add_product(f"SKU-{i}", f"Product {i}", 10 * i, 10_000) for i in range(6)]
    small = store.add_customer("Small", "small@example.com")
    big = store.add_customer("Big spender", "big@example.com")
    for o in range(3):
        store.place_order(small, [(p, 1 + o) for p in products[o: o + 2]])
    for o in range(40):
        store.place_order(big, [(p, 1 + o % 5) for p in products[o % 3: o % 3 + 4]])
    with query_log:
        few = store.list_orders(small)
    few_queries = len(query_log.selects)
    with query_log:
        many = store.list_orders(big)
    many_queries = len(query_log.selects)
    assert len(few) == 3 and len(many) == 40
    assert [len(o.lines) for o in many] == [4] * 40
    assert many[7].lines[0].quantity == 3 and many[7].lines[0].sku == "SKU-1"
    assert many_queries == few_queries, query_log.statements
    assert many_queries <= 3, query_log.statements


def test_get_order_query_count_does_not_grow_with_lines(store, query_log):
    cid = store.add_customer("Dana", "dana@example.com")
    products = [store.add_product(f"P{i:02d}", f"P {i}", 10, 100) for i in range(30)]
    one = store.place_order(cid, [(products[0], 1)])
    thirty = store.place_order(cid, [(p, 2) for p in products])
    with query_log:
        assert len(store.get_order(one).lines) == 1
    single = len(query_log.selects)
    with query_log:
        assert len(store.get_order(thirty).lines) == 30
    assert len(query_log.selects) == single <= 2, query_log.statements


def test_place_order_reads_do_not_grow_with_lines(store, query_log):
    cid = store.add_customer("Eve", "eve@example.com")
    products = [store.add_product(f"Q{i:02d}", f"Q {i}", 10, 100) for i in range(25)]
    with query_log:
        store.place_order(cid, [(products[0], 1)])
    one_line = len(query_log.selects)
    with query_log:
        store.place_order(cid, [(p, 1) for p in products[1:]])
    assert len(query_log.selects) == one_line <= 3, query_log.statements
    assert len(query_log.commits) == 1, query_log.statements


def test_best_sellers_is_a_single_query(store, query_log):
    _fill(store, customers=4, orders_each=5, lines_each=3)
    with query_log:
        top = store.best_sellers(3)
    assert len(top) == 3
    assert len(query_log.selects) == 1, query_log.statements


def test_bulk_import_commits_once(store, query_log, conn):
    rows = [(f"IMP-{i:05d}", f"Imported {i}", i, i % 50) for i in range(2000)]
    with query_log:
        assert store.import_products(rows) == 2000
    assert len(query_log.commits) == 1, query_log.statements[-5:]
    assert len(query_log.selects) <= 2
    assert conn.execute("SELECT count(*) FROM products").fetchone()[0] == 2000


@pytest.mark.parametrize("sql", [
    "SELECT * FROM orders WHERE customer_id = 1",
    "SELECT * FROM order_items WHERE order_id = 1",
    "SELECT * FROM order_items WHERE product_id = 1",
], ids=["orders.customer_id", "order_items.order_id", "order_items.product_id"])
def test_foreign_key_lookups_use_an_index(store, conn, sql):
    plan = " | ".join(row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + sql))
    assert "INDEX" in plan and not plan.startswith("SCAN"), plan
