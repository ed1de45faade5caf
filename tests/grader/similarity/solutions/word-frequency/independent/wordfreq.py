"""Word frequency, written independently of the catalogue's solution.

The text is cut on every run of characters that cannot be in a word, the
counts are kept in a plain dictionary, and the ranking is a full sort.
"""

import re

_SEPARATORS = re.compile(r"[^a-z0-9']+")


def _tokens(text):
    """Yield the words of text, lower-cased, without their outer apostrophes."""
    for chunk in _SEPARATORS.split(text.lower()):
        trimmed = chunk.strip("'")
        if trimmed != "":
            yield trimmed


def count_words(text):
    tally = {}
    for token in _tokens(text):
        tally[token] = tally.get(token, 0) + 1
    return tally


def _ranking_key(entry):
    word, count = entry
    return (-count, word)


def top_words(text, n):
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"expected a positive number of words, got {n!r}")
    ordered = sorted(count_words(text).items(), key=_ranking_key)
    del ordered[n:]
    return ordered
