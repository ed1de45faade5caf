"""Word frequency: see statement.md."""


def count_words(text: str) -> dict[str, int]:
    return {}


def top_words(text: str, n: int) -> list[tuple[str, int]]:
    return []
