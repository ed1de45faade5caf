"""A challenge's similar pairs and clusters: what the round view flags, the CLI and API list.

Built from the stored comparisons (grader/store/similarity.py): each graded
submission's comparison names the earlier submissions it matched, so every
pair is found once, on the side of the later one (if both sides were compared,
the closer figure is kept). A pair's ``similarity`` is the larger of its two
shares, the figure the report page and ``GET /api/submissions/{id}/similar``
show. A *cluster* is a connected component of the pairs at or above the
threshold (the challenge's own, grader/similarities.threshold_of, unless the
caller asks for another): three candidates who copied from one another, or
from one source, are one cluster.

A comparison stores every submission at or above the threshold it was judged
with, and the ten closest below it; a lower threshold asked for afterwards
finds only the stored ones. A similarity is evidence for a reviewer, never a
score change. Nothing here knows HTTP or prints.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from grader.similarities import threshold_of
from grader.store import similarity


@dataclass(frozen=True)
class Pair:
    """Two submissions of one challenge: ``later`` was compared with ``earlier``."""

    later: str
    earlier: str
    share_later: float  # the share of ``later`` found in ``earlier``
    share_earlier: float  # the reverse
    shared: int  # fingerprints found on both sides
    fragments: int

    @property
    def similarity(self) -> float:
        return max(self.share_later, self.share_earlier)

    @property
    def ids(self) -> tuple[str, str]:
        return self.later, self.earlier


@dataclass(frozen=True)
class Cluster:
    """Submissions linked by pairs at or above the threshold."""

    ids: tuple[str, ...]  # the closest pair's first, then as the pairs reach them
    max_share: float
    pairs: tuple[Pair, ...] = field(default=())

    @property
    def size(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Overview:
    challenge_id: str
    threshold: float
    pairs: tuple[Pair, ...]  # at or above the threshold, most similar first
    clusters: tuple[Cluster, ...]  # the one with the closest pair first


def stored_pairs(session: Session, challenge_id: str) -> list[Pair]:
    """Every stored pair of the challenge's graded submissions, most similar first."""
    found: dict[frozenset[str], Pair] = {}
    for stored in similarity.results_for_challenge(session, challenge_id):
        for match in stored.report.get("submissions") or []:
            pair = _pair(stored.submission_id, match)
            if pair is None:
                continue
            key = frozenset(pair.ids)
            if key not in found or pair.similarity > found[key].similarity:
                found[key] = pair
    return sorted(found.values(), key=lambda p: (-p.similarity, p.later, p.earlier))


def _pair(later: str, match: Any) -> Pair | None:
    if not isinstance(match, dict) or match.get("kind", "submission") != "submission":
        return None
    earlier = str(match.get("other", ""))
    if not earlier or earlier == later:
        return None
    return Pair(
        later,
        earlier,
        float(match["share_query"]),
        float(match["share_other"]),
        int(match["shared"]),
        len(match.get("fragments") or []),
    )


def clusters_of(pairs: Iterable[Pair]) -> list[Cluster]:
    """The connected components of these pairs, the one with the closest pair first."""
    ordered = sorted(pairs, key=lambda p: (-p.similarity, p.later, p.earlier))
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]  # path halving: the chains stay short
            node = parent[node]
        return node

    for pair in ordered:
        parent[root(pair.later)] = root(pair.earlier)
    members: dict[str, list[str]] = {}
    links: dict[str, list[Pair]] = {}
    for pair in ordered:  # most similar first: a cluster's ids start with its closest pair
        top = root(pair.later)
        ids = members.setdefault(top, [])
        ids.extend(sid for sid in (pair.later, pair.earlier) if sid not in ids)
        links.setdefault(top, []).append(pair)
    clusters = [
        Cluster(tuple(members[top]), links[top][0].similarity, tuple(links[top])) for top in members
    ]
    return sorted(clusters, key=lambda c: (-c.max_share, -c.size, c.ids))


def overview(session: Session, challenge_id: str, threshold: float | None = None) -> Overview:
    """The challenge's pairs at or above ``threshold`` (default: the challenge's) and their
    clusters."""
    limit = threshold_of(session, challenge_id) if threshold is None else threshold
    pairs = [p for p in stored_pairs(session, challenge_id) if p.similarity >= limit]
    return Overview(challenge_id, limit, tuple(pairs), tuple(clusters_of(pairs)))


def clusters_for_challenge(
    session: Session, challenge_id: str, threshold: float | None = None
) -> list[Cluster]:
    """The challenge's clusters of submissions at or above the threshold (ids, size, max
    share), for the round view's flag column."""
    return list(overview(session, challenge_id, threshold).clusters)
