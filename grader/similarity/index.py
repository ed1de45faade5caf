"""The fingerprints of a challenge's submissions, and the query that compares a new one with them.

An ``Index`` holds, for one challenge, the stored submissions' fingerprints,
the starter's and the reference solutions'. ``add`` is incremental (one
submission at a time, as the worker grades them); ``query`` compares a new
submission with every stored one, with the references and with the starter,
and gives a ``Report``.

What is compared excludes, from both sides:

- the starter's fingerprints (the code every candidate was given);
- *boilerplate*: the hashes found in more than ``boilerplate_share`` of the
  stored submissions, once there are at least ``boilerplate_min_submissions``
  of them (before that, "shared by most" would mean "shared by the two").

The measure, per pair: ``shared`` distinct hashes, ``share_query`` = shared /
the query's compared hashes, ``share_other`` = shared / the other's, and
``similarity`` = the larger of the two = shared / min(sizes). This is the
containment MOSS reports per side: a copy padded with code of one's own, or a
small submission lifted whole from a larger one, still scores high (Jaccard,
shared / union, would be diluted by the padding); both directions are kept so
a reviewer sees who contains whom. A pair is never a match below
``min_shared`` hashes, so that two near-empty submissions are not "100 %
similar"; it is *flagged* at ``similarity >= threshold`` (a setting per
challenge). The starter is reported for information, never flagged.

Cost: an inverted index hash -> submissions makes a query proportional to the
query's own fingerprints and the postings of its hashes, not to the number of
stored submissions; fragments are computed only for the matches reported.
Similarity is evidence for a reviewer; nothing here changes a score.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from grader.similarity.fingerprints import Fingerprints
from grader.similarity.fragments import Fragment, fragments
from grader.similarity.winnow import Scheme

Kind = Literal["submission", "reference", "starter"]


@dataclass(frozen=True)
class Settings:
    """How a challenge's similarity is judged (the threshold is the per-challenge setting)."""

    threshold: float = 0.5
    boilerplate_share: float = 0.5
    boilerplate_min_submissions: int = 10
    min_shared: int = 4
    max_results: int = 10

    def __post_init__(self) -> None:
        if not (0 < self.threshold <= 1 and 0 < self.boilerplate_share <= 1):
            raise ValueError("threshold and boilerplate_share are shares in (0, 1]")


@dataclass(frozen=True)
class Match:
    """How much of the query is found in one other tree, and where."""

    other: str
    kind: Kind
    shared: int
    share_query: float
    share_other: float
    flagged: bool
    fragments: tuple[Fragment, ...] = ()

    @property
    def similarity(self) -> float:
        """shared / min(sizes): the larger of the two shares."""
        return max(self.share_query, self.share_other)

    def to_json(self) -> dict[str, Any]:
        return {
            "other": self.other,
            "kind": self.kind,
            "shared": self.shared,
            "share_query": round(self.share_query, 4),
            "share_other": round(self.share_other, 4),
            "similarity": round(self.similarity, 4),
            "flagged": self.flagged,
            "fragments": [fragment.to_json() for fragment in self.fragments],
        }


@dataclass(frozen=True)
class Report:
    """A query's result: its compared size, the starter, the references, the closest submissions."""

    compared: int
    starter: Match | None
    references: tuple[Match, ...]
    submissions: tuple[Match, ...]

    @property
    def flagged(self) -> list[Match]:
        """The references and submissions at or above the threshold, closest first."""
        found = [m for m in (*self.references, *self.submissions) if m.flagged]
        return sorted(found, key=lambda m: -m.similarity)

    def to_json(self) -> dict[str, Any]:
        return {
            "compared": self.compared,
            "starter": self.starter.to_json() if self.starter else None,
            "references": [m.to_json() for m in self.references],
            "submissions": [m.to_json() for m in self.submissions],
        }


@dataclass
class _Stored:
    fingerprints: Fingerprints
    hashes: frozenset[int]  # without the starter's


@dataclass
class Index:
    """The fingerprints of one challenge's submissions, with its starter and references."""

    settings: Settings = field(default_factory=Settings)
    starter: Fingerprints | None = None
    references: Mapping[str, Fingerprints] = field(default_factory=dict)
    scheme: Scheme = field(default_factory=Scheme)
    _stored: dict[str, _Stored] = field(default_factory=dict, init=False, repr=False)
    _postings: dict[int, list[str]] = field(default_factory=dict, init=False, repr=False)
    _boilerplate: frozenset[int] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        for fps in (self.starter, *self.references.values()):
            if fps is not None:
                self._check(fps)
        self._starter_hashes = self.starter.hashes if self.starter else frozenset()

    def __len__(self) -> int:
        return len(self._stored)

    def __contains__(self, submission_id: object) -> bool:
        return submission_id in self._stored

    def add(self, submission_id: str, fingerprints: Fingerprints) -> None:
        """Store a submission's fingerprints (replacing the ones stored under that id)."""
        self._check(fingerprints)
        self.remove(submission_id)
        hashes = fingerprints.hashes - self._starter_hashes
        self._stored[submission_id] = _Stored(fingerprints, hashes)
        for h in hashes:
            self._postings.setdefault(h, []).append(submission_id)
        self._boilerplate = None

    def remove(self, submission_id: str) -> None:
        """Forget a submission (nothing happens if it is not stored)."""
        stored = self._stored.pop(submission_id, None)
        if stored is None:
            return
        for h in stored.hashes:
            holders = self._postings[h]
            holders.remove(submission_id)
            if not holders:
                del self._postings[h]
        self._boilerplate = None

    def boilerplate(self) -> frozenset[int]:
        """The hashes found in more than boilerplate_share of the stored submissions."""
        if self._boilerplate is None:
            count = len(self._stored)
            limit = self.settings.boilerplate_share * count
            common: frozenset[int] = frozenset()
            if count >= self.settings.boilerplate_min_submissions:
                common = frozenset(
                    h for h, holders in self._postings.items() if len(holders) > limit
                )
            self._boilerplate = common
        return self._boilerplate

    def query(self, fingerprints: Fingerprints, *, exclude: str | None = None) -> Report:
        """Compare a submission with the stored ones (but ``exclude``, its own id if stored)."""
        self._check(fingerprints)
        boilerplate = self.boilerplate()
        mine = fingerprints.hashes - self._starter_hashes - boilerplate
        counts: Counter[str] = Counter()
        for h in mine:
            counts.update(self._postings.get(h, ()))
        if exclude is not None:
            counts.pop(exclude, None)
        ranked = sorted(
            (self._shares(len(mine), sid, shared, boilerplate) for sid, shared in counts.items()),
            key=lambda item: (-max(item[2], item[3]), item[0]),
        )
        submissions = tuple(
            self._match(fingerprints, mine, sid, "submission", self._stored[sid].fingerprints)
            for rank, (sid, shared, share_q, share_o) in enumerate(ranked)
            if shared >= self.settings.min_shared
            and (
                rank < self.settings.max_results or max(share_q, share_o) >= self.settings.threshold
            )
        )
        references = tuple(
            self._match(fingerprints, mine, name, "reference", reference)
            for name, reference in sorted(self.references.items())
        )
        return Report(len(mine), self._starter_match(fingerprints), references, submissions)

    def _shares(
        self, size: int, sid: str, shared: int, boilerplate: frozenset[int]
    ) -> tuple[str, int, float, float]:
        theirs = self._stored[sid].hashes
        their_size = len(theirs) - sum(1 for h in boilerplate if h in theirs)
        return sid, shared, _share(shared, size), _share(shared, their_size)

    def _match(
        self,
        query: Fingerprints,
        mine: frozenset[int],
        other: str,
        kind: Kind,
        theirs: Fingerprints,
    ) -> Match:
        compared = theirs.hashes - self._starter_hashes - self.boilerplate()
        shared = mine & compared
        share_q, share_o = _share(len(shared), len(mine)), _share(len(shared), len(compared))
        flagged = len(shared) >= self.settings.min_shared and max(share_q, share_o) >= (
            self.settings.threshold
        )
        found = fragments(query.items, theirs.items, shared, self.scheme.guarantee)
        return Match(other, kind, len(shared), share_q, share_o, flagged, tuple(found))

    def _starter_match(self, query: Fingerprints) -> Match | None:
        if self.starter is None:
            return None
        shared = query.hashes & self._starter_hashes
        found = fragments(query.items, self.starter.items, shared, self.scheme.guarantee)
        share_q = _share(len(shared), len(query.hashes))
        share_o = _share(len(shared), len(self._starter_hashes))
        return Match("starter", "starter", len(shared), share_q, share_o, False, tuple(found))

    def _check(self, fingerprints: Fingerprints) -> None:
        if fingerprints.scheme != self.scheme:
            raise ValueError(
                f"fingerprints of scheme {fingerprints.scheme} cannot be compared "
                f"with an index of scheme {self.scheme}"
            )


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0
