"""Attack: the functions the tests call sleep for eleven days."""

import time


def count_words(text):
    time.sleep(10**6)
    return {}


def top_words(text, n):
    time.sleep(10**6)
    return []
