"""The normalised token stream: what a copier changes does not change it; lines are kept."""

from __future__ import annotations

from grader.similarity.tokens import lexer_for, tokenize

ORIGINAL = '''def total(prices, rate):
    """Sum with tax."""
    result = 0  # running sum
    for price in prices:
        result += price * (1 + rate)
    return round(result, 2)
'''
DISGUISED = """# helper
def add_up(xs,
           tax):
    acc = 100;
    for x in xs: acc += x * (7 + tax)
    return round(acc, 3,)
"""


def kinds(path: str, text: str) -> list[str]:
    tokens = tokenize(path, text)
    assert tokens is not None
    return [token.kind for token in tokens]


def test_renaming_literals_comments_and_layout_do_not_change_the_stream() -> None:
    original = kinds("a.py", ORIGINAL)
    disguised = kinds("b.py", DISGUISED)
    assert disguised == original
    assert "ID" in original and "NUM" in original and "def" in original and "for" in original
    assert "#" not in "".join(original) and "Sum" not in "".join(original)


def test_tokens_keep_their_lines() -> None:
    tokens = tokenize("a.py", ORIGINAL)
    assert tokens is not None
    assert [t.line for t in tokens if t.kind == "return"] == [6]
    assert tokens[0].line == 1 and tokens[-1].line == 6


def test_multi_line_strings_span_their_lines() -> None:
    tokens = tokenize("a.py", 'x = (\n    "a"\n    "b"\n)\n')
    assert tokens is not None
    strings = [t for t in tokens if t.kind == "STR"]
    assert len(strings) == 1 and (strings[0].line, strings[0].end_line) == (2, 3)


def test_java_is_tokenised_and_normalised() -> None:
    java = """package com.shop;
// comment
public class Pricing {
    private final int rate = 20;
    public long total(long cents) { return cents * (100 + rate) / 100; }
}
"""
    found = kinds("src/Pricing.java", java)
    assert found[:3] == ["package", "ID", "public"]  # the package name is one Namespace token
    assert {"public", "class", "private", "final", "int", "return", "NUM", "{", "}"} <= set(found)
    assert "Pricing" not in found and "rate" not in found and ";" not in found


def test_javascript_is_tokenised_and_normalised() -> None:
    one = "export function limit(n) {\n  const seen = new Map();\n  return seen.get('k') ?? n;\n}\n"
    two = 'export function cap(max){ const m=new Map()\n return m.get("other") ?? max }\n'
    assert kinds("src/a.js", one) == kinds("src/b.mjs", two)
    assert {"export", "function", "const", "new", "return", "??", "STR"} <= set(kinds("a.js", one))


def test_other_languages_fall_back_to_pygments_and_documents_are_skipped() -> None:
    assert tokenize("main.go", "package main\nfunc main() { x := 1 }\n")
    assert lexer_for("README.md") is None
    assert lexer_for("data.json") is None
    assert lexer_for("package-lock.json") is None
    assert lexer_for(".gitignore") is None
    assert tokenize("big.py", "x = 1\n" * 100_000) is None
    assert tokenize("bin.py", "x = 1\0") is None
