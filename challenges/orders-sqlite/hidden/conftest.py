import sqlite3

import pytest

from orders import OrderStore


@pytest.fixture
def conn(tmp_path):
    c = sqlite3.connect(tmp_path / "shop.db")
    yield c
    c.close()


@pytest.fixture
def store(conn):
    s = OrderStore(conn)
    s.create_schema()
    return s


@pytest.fixture
def shop(store):
    """A customer and three products."""
    alice = store.add_customer("Alice", "alice@example.com")
    pen = store.add_product("PEN-1", "Pen", 150, 10)
    ink = store.add_product("INK-1", "Ink", 900, 5)
    pad = store.add_product("PAD-1", "Notepad", 400, 3)
    return {"alice": alice, "pen": pen, "ink": ink, "pad": pad}


class QueryLog:
    """Records every statement the connection runs (via set_trace_callback)."""

    def __init__(self, conn):
        self.conn = conn
        self.statements = []

    def __enter__(self):
        self.statements.clear()
        self.conn.set_trace_callback(self.statements.append)
        return self

    def __exit__(self, *exc):
        self.conn.set_trace_callback(None)

    @property
    def selects(self):
        return [s for s in self.statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]

    @property
    def commits(self):
        return [s for s in self.statements if s.strip().upper().startswith(("COMMIT", "END"))]


@pytest.fixture
def query_log(conn):
    return QueryLog(conn)
