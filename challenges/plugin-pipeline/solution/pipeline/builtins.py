"""The built-in stages, registered through the public registry API like any plug-in."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

from pipeline.registry import Record, Stage, register_stage

_MISSING = object()


@register_stage("filter")
def filter_stage(field: str, equals: Any) -> Stage:
    """Keep the records whose `field` equals `equals` (records without it are dropped)."""
    def run(records: Iterable[Record]) -> Iterator[Record]:
        return (r for r in records if r.get(field, _MISSING) == equals)
    return run


@register_stage("rename")
def rename_stage(fields: Mapping[str, str]) -> Stage:
    """Rename keys: {"old": "new"}; keys a record does not have are ignored."""
    if not isinstance(fields, Mapping):
        raise ValueError("rename: 'fields' must map old names to new names")
    mapping = dict(fields)

    def run(records: Iterable[Record]) -> Iterator[Record]:
        for record in records:
            yield {mapping.get(key, key): value for key, value in record.items()}
    return run


@register_stage("select")
def select_stage(fields: Sequence[str]) -> Stage:
    """Keep only the listed keys (those the record has), in the listed order."""
    if isinstance(fields, str) or not isinstance(fields, Sequence):
        raise ValueError("select: 'fields' must be a list of names")
    wanted = list(fields)

    def run(records: Iterable[Record]) -> Iterator[Record]:
        for record in records:
            yield {key: record[key] for key in wanted if key in record}
    return run


@register_stage("dedupe")
def dedupe_stage(key: str) -> Stage:
    """Keep the first record for each value of `key` (records without it pass through)."""
    def run(records: Iterable[Record]) -> Iterator[Record]:
        seen: set[Any] = set()
        for record in records:
            if key in record:
                marker = repr(record[key])  # values need not be hashable
                if marker in seen:
                    continue
                seen.add(marker)
            yield record
    return run


@register_stage("limit")
def limit_stage(n: int) -> Stage:
    """Pass the first n records, then stop reading the input."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError("limit: 'n' must be a non-negative integer")

    def run(records: Iterable[Record]) -> Iterator[Record]:
        return islice(records, n)
    return run
