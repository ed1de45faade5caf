"""An account's history is right, and an index serves it (checked with EXPLAIN)."""

from conftest import sql

import ledger


def test_history_is_newest_first_both_ways_and_limited(dsn):
    a, b, c = (ledger.open_account(dsn, n, 1000) for n in ("ada", "bob", "cy"))
    ids = [
        ledger.transfer(dsn, a, b, 10, "h1"),
        ledger.transfer(dsn, c, a, 20, "h2"),
        ledger.transfer(dsn, b, c, 30, "h3"),
        ledger.transfer(dsn, a, c, 40, "h4"),
    ]
    history = ledger.history(dsn, a, limit=10)
    assert [t["id"] for t in history] == [ids[3], ids[1], ids[0]]
    assert history[0] == {"id": ids[3], "from_id": a, "to_id": c, "amount_cents": 40}
    assert [t["id"] for t in ledger.history(dsn, a, limit=2)] == [ids[3], ids[1]]


def test_the_history_of_one_account_is_read_through_an_index(dsn):
    accounts = [ledger.open_account(dsn, f"u{i}", 10**9) for i in range(50)]
    sql(
        dsn,
        "INSERT INTO transfers (from_id, to_id, amount_cents, idempotency_key) "
        "SELECT a.id, b.id, 1, 'bulk-' || g FROM generate_series(1, 20000) g "
        "JOIN accounts a ON a.id = %s + (g %% 50) JOIN accounts b ON b.id = %s + ((g + 1) %% 50)",
        (accounts[0], accounts[0]),
    )
    sql(dsn, "ANALYZE transfers")
    plan = "\n".join(
        row[0]
        for row in sql(
            dsn,
            "EXPLAIN SELECT id FROM transfers WHERE from_id = %s "
            "ORDER BY created_at DESC, id DESC LIMIT 20",
            (accounts[7],),
        )
    )
    assert "Seq Scan on transfers" not in plan, plan
