"""Matched fragments: a reordered, renamed, reformatted copy maps back to the right lines."""

from __future__ import annotations

from grader.similarity import Fingerprints, Span
from grader.similarity.fragments import fragments

ORIGINAL = '''"""Inventory helpers."""


def restock(levels, orders, minimum):
    missing = {}
    for item, level in levels.items():
        wanted = orders.get(item, 0) + minimum
        if level < wanted:
            missing[item] = wanted - level
    return dict(sorted(missing.items(), key=lambda kv: (-kv[1], kv[0])))


def valuation(levels, prices):
    total = 0.0
    for item, level in levels.items():
        if item not in prices:
            raise KeyError(f"no price for {item}")
        total += level * prices[item]
    return round(total, 2)
'''
# valuation first, then restock; other names, other layout, a comment.
COPY = """def worth(stock, price_of):
    acc = 0
    for name, qty in stock.items():
        if name not in price_of: raise KeyError(f"unknown {name}!")
        acc += qty * price_of[name]
    return round(acc, 4)

# refill what is low
def refill(stock, pending, floor):
    gaps = {}
    for name, qty in stock.items():
        need = pending.get(name, 1) + floor
        if qty < need:
            gaps[name] = need - qty
    return dict(sorted(gaps.items(),
                       key=lambda pair: (-pair[1], pair[0])))
"""


def test_each_moved_function_is_its_own_fragment_with_its_lines() -> None:
    one = Fingerprints.from_tree({"stock.py": ORIGINAL})
    two = Fingerprints.from_tree({"mine/inv.py": COPY})
    shared = one.hashes & two.hashes
    found = fragments(one.items, two.items, shared, one.scheme.guarantee)
    assert len(found) == 2
    restock, valuation = found
    # Exactly the two functions, from their def line to their last line, on both sides.
    assert (restock.query, restock.other) == (Span("stock.py", 4, 10), Span("mine/inv.py", 9, 16))
    assert (valuation.query, valuation.other) == (
        Span("stock.py", 13, 19),
        Span("mine/inv.py", 1, 6),
    )
    assert restock.fingerprints >= 10 and valuation.fingerprints >= 4
    assert restock.to_json()["other"] == {"path": "mine/inv.py", "start_line": 9, "end_line": 16}


def test_nothing_shared_gives_no_fragment() -> None:
    one = Fingerprints.from_tree({"a.py": ORIGINAL})
    assert fragments(one.items, one.items, set(), one.scheme.guarantee) == []


def test_repeated_code_is_paired_a_bounded_number_of_times() -> None:
    block = "total = sum(x * x for x in values if x % 2 == 0) + offset\n"
    one = Fingerprints.from_tree({"a.py": block * 30})
    two = Fingerprints.from_tree({"b.py": block * 30})
    found = fragments(one.items, two.items, one.hashes & two.hashes, one.scheme.guarantee)
    assert found and sum(f.fingerprints for f in found) <= 4 * 4 * len(one.hashes)
