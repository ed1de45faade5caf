"""The version-control skill: a score and findings from the candidate's own git history.

analysis.py reads a history in a handful of git calls and runs the rules on it;
rules.py holds the rubric (its weights and thresholds) and the parsed history;
messages.py, files.py and timeline.py hold the rules; paths.py says what a path
is and secrets.py finds and masks secrets. docs/version-control.md explains the
rubric. The rest of the grader uses only what this module exports.
"""

from grader.history.analysis import Finding, HistoryResult, analyse_history

__all__ = ["Finding", "HistoryResult", "analyse_history"]
