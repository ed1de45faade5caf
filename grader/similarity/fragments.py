"""Matched fragments: neighbouring shared fingerprints merged into line ranges on both sides.

A copied stretch of code shows up as a chain of shared fingerprints whose
positions advance together on both sides (winnowing selects one at least
every w tokens inside a common run). ``fragments`` pairs the occurrences of
every shared hash and chains a pair onto the previous one when both sides are
in the same files and advance by at most ``gap`` tokens; each chain becomes a
``Fragment``: the file and the first and last line on each side.

Guarantees: each fragment's lines cover the k-grams of its fingerprints on
both sides; fragments come sorted by the query's file and line; a function
copied to another place gives its own fragment (chains never need the same
order on both sides beyond their own stretch). A hash repeated many times on
both sides (repetitive code) is paired at most ``per_hash`` times a side, so
the cost stays linear in the shared fingerprints.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from grader.similarity.fingerprints import Fingerprint

PER_HASH = 4


@dataclass(frozen=True, slots=True)
class Span:
    """Lines start_line..end_line (1-based, inclusive) of one file."""

    path: str
    start_line: int
    end_line: int

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "start_line": self.start_line, "end_line": self.end_line}


@dataclass(frozen=True, slots=True)
class Fragment:
    """A stretch of code found on both sides, with how many fingerprints it is made of."""

    query: Span
    other: Span
    fingerprints: int

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query.to_json(),
            "other": self.other.to_json(),
            "fingerprints": self.fingerprints,
        }


_Pair = tuple[Fingerprint, Fingerprint]


def fragments(
    query: Iterable[Fingerprint],
    other: Iterable[Fingerprint],
    shared: AbstractSet[int],
    gap: int,
    per_hash: int = PER_HASH,
) -> list[Fragment]:
    """The fragments the shared hashes make between two sets of fingerprints."""
    query_at = _occurrences(query, shared, per_hash)
    other_at = _occurrences(other, shared, per_hash)
    pairs = [(a, b) for h in shared for a in query_at.get(h, ()) for b in other_at.get(h, ())]
    pairs.sort(key=lambda pair: (pair[0].path, pair[0].position, pair[1].path, pair[1].position))
    chains: list[list[_Pair]] = []
    open_chains: dict[tuple[str, str], list[list[_Pair]]] = defaultdict(list)
    for pair in pairs:
        a, b = pair
        candidates = open_chains[(a.path, b.path)]
        # Pairs come by query position: a chain that ended more than gap ago cannot grow.
        candidates[:] = [c for c in candidates if a.position - c[-1][0].position <= gap]
        for chain in candidates:
            last_a, last_b = chain[-1]
            if a.position > last_a.position and 0 < b.position - last_b.position <= gap:
                chain.append(pair)
                break
        else:
            chains.append([pair])
            candidates.append(chains[-1])
    found = [_fragment(chain) for chain in chains]
    found.sort(key=lambda f: (f.query.path, f.query.start_line, f.other.path, f.other.start_line))
    return found


def _occurrences(
    items: Iterable[Fingerprint], shared: AbstractSet[int], per_hash: int
) -> dict[int, list[Fingerprint]]:
    found: dict[int, list[Fingerprint]] = defaultdict(list)
    for fp in items:
        if fp.hash in shared and len(found[fp.hash]) < per_hash:
            found[fp.hash].append(fp)
    return found


def _fragment(chain: Sequence[_Pair]) -> Fragment:
    return Fragment(_span([a for a, _ in chain]), _span([b for _, b in chain]), len(chain))


def _span(items: Sequence[Fingerprint]) -> Span:
    start = min(fp.start_line for fp in items)
    return Span(items[0].path, start, max(fp.end_line for fp in items))
