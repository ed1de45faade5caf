import pytest


class CountingSource:
    """An iterable of records that counts how many were pulled from it."""

    def __init__(self, total: int = 10_000) -> None:
        self.total = total
        self.pulled = 0

    def __iter__(self):
        for i in range(self.total):
            self.pulled += 1
            yield {"id": i, "level": "error" if i % 3 == 0 else "info", "msg": f"event {i}"}


@pytest.fixture
def source():
    return CountingSource()
