"""Similarity between a challenge's submissions, by token fingerprints (winnowing, as MOSS does).

A pure library: no database, no worker, no pages. The worker is meant to
use it in three steps after grading a submission:

1. ``Fingerprints.from_folder(tree)`` (or ``from_tree({path: text})``), then
   store ``fingerprints.to_json()`` with the submission;
2. build an ``Index(settings, starter=..., references={"solution": ...})``
   once per challenge and ``add(id, Fingerprints.from_json(data))`` every
   stored submission (or keep the index in memory and add as they come);
3. ``index.query(new)`` gives a ``Report`` (store ``report.to_json()``), then
   ``index.add(new_id, new)``.

Modules: tokens (Pygments lexing and normalisation), winnow (k-gram hashes
and winnowing), fingerprints (one tree's fingerprints and their JSON form),
fragments (matched line ranges), index (exclusions, the inverted index, the
measure). A similarity is evidence for a reviewer, never a score change.
"""

from grader.similarity.fingerprints import Fingerprint, Fingerprints
from grader.similarity.fragments import Fragment, Span
from grader.similarity.index import Index, Match, Report, Settings
from grader.similarity.winnow import Scheme

__all__ = [
    "Fingerprint",
    "Fingerprints",
    "Fragment",
    "Index",
    "Match",
    "Report",
    "Scheme",
    "Settings",
    "Span",
]
