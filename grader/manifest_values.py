"""Typed values read out of challenge.toml's tables, each problem appended, never raised.

Shared by grader/challenge.py and the modules that parse a table of their own
(grader/similarity_policy.py), so a problem reads the same wherever it is found.
"""

from __future__ import annotations

from typing import Any

MANIFEST = "challenge.toml"


def read_number(
    table: dict[str, Any],
    key: str,
    default: float,
    problems: list[str],
    where: str,
    minimum: float,
    maximum: float | None = None,
    allow_zero: bool = False,
) -> float:
    """``table[key]`` as a number within its bounds, else ``default`` and a problem."""
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(f"{MANIFEST}: {where}{key}: must be a number, not {value!r}")
        return default
    too_small = value < minimum if allow_zero else value <= minimum
    if too_small or (maximum is not None and value > maximum):
        bound = f">= {minimum}" if allow_zero else f"> {minimum}"
        upper = f" and <= {maximum}" if maximum is not None else ""
        problems.append(f"{MANIFEST}: {where}{key}: {value} must be {bound}{upper}")
        return default
    return float(value)
