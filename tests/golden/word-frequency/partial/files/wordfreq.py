"""Word frequency: see statement.md."""

from collections import Counter


def count_words(text: str) -> dict[str, int]:
    return dict(Counter(text.lower().split()))


def top_words(text: str, n: int) -> list[tuple[str, int]]:
    if n <= 0:
        raise ValueError("n must be positive")
    ranked = sorted(count_words(text).items(), key=lambda item: (-item[1], item[0]))
    return ranked[:n]
