"""Attack: return values that compare equal to anything (and raise nothing).

``__eq__`` says True to every comparison, ``__ne__`` False, and the object
poses as a dict and a list. Isolated, such an object crosses as a handle, and
comparing a handle with a value is refused, never answered by its ``__eq__``.
"""


class Anything(dict):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__

    def __len__(self):
        return 10

    def __iter__(self):
        return iter([("w7", 3)] * 10)


class AnythingList(list):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __len__(self):
        return 10


def count_words(text):
    return Anything(forged=1)  # a copy of it is a dict with one wrong entry


def top_words(text, n):
    return AnythingList([("forged", 1)])
