"""Attack: allocate (and touch) memory until the process dies, at import."""

hoard = []
while True:
    hoard.append(bytearray(16 << 20))


def count_words(text):
    raise NotImplementedError


def top_words(text, n):
    raise NotImplementedError
