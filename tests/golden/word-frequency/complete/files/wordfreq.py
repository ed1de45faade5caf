"""Word frequency: see statement.md."""

import heapq
import re
from collections import Counter

WORD = re.compile(r"[0-9a-z']+")


def count_words(text: str) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for raw in WORD.findall(text.lower()):
        word = raw.strip("'")
        if word:
            counts[word] += 1
    return dict(counts)


def top_words(text: str, n: int) -> list[tuple[str, int]]:
    if n <= 0:
        raise ValueError("n must be positive")
    counts = count_words(text)
    return heapq.nsmallest(n, counts.items(), key=lambda item: (-item[1], item[0]))
