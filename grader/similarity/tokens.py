"""A language-aware, normalised token stream of one source file, for fingerprinting.

The lexing is Pygments' (chosen by file name: Python, JavaScript/TypeScript and
Java explicitly, any other programming language Pygments knows as a fallback).
The stream is then normalised so that the edits a copier makes to hide a copy
do not change it:

- every identifier (variables, functions, classes, attributes, builtins)
  becomes the one kind ``ID``: renaming hides nothing;
- literals keep only their kind (``STR``, ``NUM``, ``LIT``); adjacent string
  pieces (an f-string's parts, implicit concatenation) are one ``STR``:
  changing messages or constants hides nothing;
- comments, docstrings and whitespace are dropped, and so are the tokens code
  formatters add or remove (``;``, and a trailing ``,`` before a closing
  bracket): reformatting hides nothing;
- keywords, operators and punctuation are kept as written, so the structure of
  the code is what is compared.

Guarantees: the same text always gives the same stream (no global state but a
lexer cache), every token carries the lines it spans in its file (1-based, so
matches can be shown with line numbers), and a file that is not source code
(documentation, data, lock files, binaries, oversized files) gives ``None``.
"""

from __future__ import annotations

import functools
import posixpath
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

import pygments.lexers
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_for_filename
from pygments.token import (
    Comment,
    Keyword,
    Literal,
    Name,
    Number,
    String,
    _TokenType,
    is_token_subtype,
)
from pygments.util import ClassNotFound

# Bigger files are generated or minified code, not a candidate's work, and would
# dominate both the cost and the share.
MAX_FILE_CHARS = 256 * 1024

# The languages the catalogue uses get an explicit lexer, so the choice never
# depends on which plugins happen to be installed. By class name: pygments.lexers
# imports a lexer's module (Java's alone takes ~30 ms) when the lexer is first used.
_EXPLICIT: dict[str, str] = {
    ".py": "PythonLexer",
    ".pyi": "PythonLexer",
    ".js": "JavascriptLexer",
    ".mjs": "JavascriptLexer",
    ".cjs": "JavascriptLexer",
    ".ts": "TypeScriptLexer",
    ".java": "JavaLexer",
}

# Pygments lexers of documentation and data rather than code: a shared README
# or a fixture is not evidence of a copied solution.
_NOT_CODE = frozenset(
    {"text", "markdown", "rst", "json", "yaml", "toml", "ini", "xml", "csv", "diff", "properties"}
)
_SKIPPED_NAMES = frozenset(
    {"package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "Pipfile.lock"}
)

_COLLAPSED_STRING = "STR"
_CLOSERS = frozenset({")", "]", "}"})


@dataclass(frozen=True, slots=True)
class Token:
    """One normalised token: its kind and the lines (1-based, inclusive) it spans."""

    kind: str
    line: int
    end_line: int


@functools.lru_cache(maxsize=256)
def lexer_for(path: str) -> Lexer | None:
    """The lexer for a file name, or None when the file is not source code."""
    name = posixpath.basename(path)
    if name in _SKIPPED_NAMES:
        return None
    explicit = _EXPLICIT.get(posixpath.splitext(name)[1].lower())
    if explicit is not None:
        lexer_class: type[Lexer] = getattr(pygments.lexers, explicit)
        return lexer_class(stripnl=False, ensurenl=False)
    try:
        lexer = get_lexer_for_filename(name, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None
    if _NOT_CODE.intersection(lexer.aliases):
        return None
    return lexer


def tokenize(path: str, text: str) -> list[Token] | None:
    """The normalised tokens of one file, or None when it is not source code."""
    lexer = lexer_for(path)
    if lexer is None or len(text) > MAX_FILE_CHARS or "\0" in text:
        return None
    newlines = [i for i, char in enumerate(text) if char == "\n"]
    tokens: list[Token] = []
    for index, tokentype, value in lexer.get_tokens_unprocessed(text):
        kind = _normalise(tokentype, value)
        if kind is None:
            continue
        line = bisect_right(newlines, index - 1) + 1
        # The last character of the token, not the one after it, decides its end line.
        end_line = bisect_right(newlines, index + len(value) - 2) + 1
        previous = tokens[-1] if tokens else None
        if kind == _COLLAPSED_STRING and previous and previous.kind == _COLLAPSED_STRING:
            tokens[-1] = Token(kind, previous.line, max(end_line, previous.end_line))
            continue
        tokens.append(Token(kind, line, max(line, end_line)))
    return list(_drop_formatting(tokens))


def _normalise(tokentype: _TokenType, value: str) -> str | None:
    """The kind a raw Pygments token stands for, or None for one that is dropped."""
    if is_token_subtype(tokentype, Comment) or is_token_subtype(tokentype, String.Doc):
        return None
    if not value.strip():
        return None
    if is_token_subtype(tokentype, Name):
        return "ID"
    if is_token_subtype(tokentype, String):
        return _COLLAPSED_STRING
    if is_token_subtype(tokentype, Number):
        return "NUM"
    if is_token_subtype(tokentype, Keyword.Constant):
        return value  # True, None, null: part of the logic, like a keyword
    if is_token_subtype(tokentype, Literal):
        return "LIT"
    return value.strip()


def _drop_formatting(tokens: list[Token]) -> Iterable[Token]:
    """Drop the tokens a formatter adds or removes without changing the code's meaning."""
    for i, token in enumerate(tokens):
        if token.kind == ";":
            continue
        if token.kind == "," and i + 1 < len(tokens) and tokens[i + 1].kind in _CLOSERS:
            continue
        yield token
