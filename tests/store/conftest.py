"""Every storage test runs twice: on a new SQLite file and on a new PostgreSQL schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.store import KINDS, fresh_database, migrated_database


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """A database with no table at all."""
    with fresh_database(kind, tmp_path) as url:
        yield url


@pytest.fixture
def db_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """A database migrated from scratch to the newest schema."""
    with migrated_database(kind, tmp_path) as url:
        yield url
