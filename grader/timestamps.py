"""The one format of every timestamp the grader writes: RFC 3339, in UTC, with ``Z``.

Reports, the API's JSON, its CSV and JSON exports and webhook bodies all use
``rfc3339``, so a client parses one shape (``2026-12-05T12:45:29Z``, with a
fraction of a second where the moment has one). The database stores UTC;
SQLite gives it back without a zone, which is read as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import PlainSerializer


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive one (SQLite's) is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def rfc3339(moment: datetime) -> str:
    return utc(moment).isoformat().replace("+00:00", "Z")


def now() -> str:
    return rfc3339(datetime.now(UTC).replace(microsecond=0))


# A datetime field of an API model, serialised as rfc3339() says.
Timestamp = Annotated[datetime, PlainSerializer(rfc3339, return_type=str, when_used="json")]
