"""History stage: picks the analysis of the candidate's git history, when available."""

from __future__ import annotations

from typing import Any


def history_analyser() -> Any:
    """The history analysis function, or None while it is not available."""
    try:
        from grader.history import analyse_history  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    return analyse_history
