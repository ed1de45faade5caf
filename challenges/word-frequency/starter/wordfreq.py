"""Word frequency: see STATEMENT.md."""


def count_words(text: str) -> dict[str, int]:
    raise NotImplementedError


def top_words(text: str, n: int) -> list[tuple[str, int]]:
    raise NotImplementedError
