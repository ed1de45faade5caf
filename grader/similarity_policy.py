"""The ``[similarity]`` table of challenge.toml: the share from which a pair is flagged, and
the files every candidate is expected to share (grader/similarities.py applies them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.manifest_values import MANIFEST, read_number

DEFAULT_SIMILARITY_THRESHOLD = 0.5  # grader.similarity.Settings' default, kept in step


@dataclass(frozen=True)
class SimilarityOptions:
    """``[similarity]``: the share from which a pair of submissions is flagged, and the files
    every candidate is expected to share (left out of the comparison, like the starter)."""

    threshold: float = DEFAULT_SIMILARITY_THRESHOLD
    exclude: tuple[str, ...] = ()


def parse_similarity(table: dict[str, Any], problems: list[str]) -> SimilarityOptions:
    threshold = read_number(
        table, "threshold", DEFAULT_SIMILARITY_THRESHOLD, problems, "similarity.", 0, 1
    )
    exclude = table.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(g, str) and g.strip() for g in exclude):
        problems.append(f"{MANIFEST}: similarity.exclude: must be a list of path globs")
        exclude = []
    return SimilarityOptions(threshold, tuple(g.strip() for g in exclude))
