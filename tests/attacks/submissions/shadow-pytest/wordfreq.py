"""The stubs, importing the shadows if they are on the import path first."""

import _pytest.runner  # noqa: F401  (the real one is already loaded)
import pytest  # noqa: F401


def count_words(text):
    raise NotImplementedError


def top_words(text, n):
    raise NotImplementedError
