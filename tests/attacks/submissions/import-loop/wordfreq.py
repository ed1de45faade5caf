"""Attack: an infinite loop at import."""

while True:
    pass


def count_words(text):
    raise NotImplementedError


def top_words(text, n):
    raise NotImplementedError
