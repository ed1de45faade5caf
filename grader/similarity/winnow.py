"""k-gram hashing and winnowing (Schleimer, Wilkerson, Aiken, SIGMOD 2003), as MOSS does.

Every run of k consecutive normalised tokens (a k-gram) is hashed; in every
window of w consecutive hashes the smallest is selected ("robust winnowing":
on a tie the hash the previous window selected if it is still in the window,
else the rightmost one), and each selected position is recorded once.

Guarantees of winnowing, with t = w + k - 1 (the *guarantee threshold*):

- any common run of at least t tokens between two streams shares at least
  one selected hash: a copy that long is always detected;
- no common run shorter than k tokens is ever matched (the noise threshold);
- selection is local: whether a position is selected depends only on the
  hashes of the windows around it, never on where the run sits in its file,
  so a function moved elsewhere keeps the fingerprints inside it (all but
  those within w + k tokens of its edges).

The chosen k = 15 and w = 8 (t = 22 tokens, about two to three lines of code):
a k-gram of 15 normalised tokens is longer than the idioms every solution of
a challenge shares (a ``for x in y.items():`` is 10 tokens, a typed
signature 10 to 14), which keeps independent solutions apart, while t = 22
still catches any copied stretch of a short function. w = 8 keeps about
2 / (w + 1), i.e. 22 %, of the positions, so a submission of a few thousand
tokens has a few hundred fingerprints. Measured on the catalogue's solutions
and a second, independent one per challenge (tests/grader/similarity/
test_solutions.py): with k = 15, w = 8 the independent pairs score 0.10
(word-frequency) and 0.02 (todo-api), disguised copies 0.58 to 0.86; with
k = 10, w = 5 the independent word-frequency pair rises to 0.15, with
k = 20, w = 10 a disguised copy of it falls to 0.55.

Hashes are the first 6 bytes of BLAKE2b (48 bits): stable across processes and
Python versions (unlike ``hash()``), exactly representable in JSON by any
reader (below 2**53), and with a negligible chance of collision among the
few hundred thousand hashes of a round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from hashlib import blake2b

K = 15
W = 8
# Bump when tokenising, hashing or selection changes: stored fingerprints are then stale.
SCHEME_VERSION = 1
_SEPARATOR = "\x1f"


@dataclass(frozen=True, slots=True)
class Scheme:
    """The parameters fingerprints were made with; only equal schemes can be compared."""

    k: int = K
    w: int = W
    version: int = SCHEME_VERSION

    def __post_init__(self) -> None:
        if self.k < 1 or self.w < 1:
            raise ValueError(f"k and w must be positive, not k={self.k}, w={self.w}")

    @property
    def guarantee(self) -> int:
        """t = w + k - 1: a common run of at least this many tokens is always detected."""
        return self.w + self.k - 1


def kgram_hashes(kinds: Sequence[str], k: int) -> list[int]:
    """The hash of every k-gram of a token stream, in order (empty if shorter than k)."""
    return [
        int.from_bytes(
            blake2b(_SEPARATOR.join(kinds[i : i + k]).encode(), digest_size=6).digest(), "big"
        )
        for i in range(len(kinds) - k + 1)
    ]


def winnow(hashes: Sequence[int], w: int) -> list[tuple[int, int]]:
    """The selected (hash, position) pairs, by position; position i is the k-gram at token i.

    A stream with fewer than w hashes is one window: its minimum is selected,
    so short files still have a fingerprint. Every window of w consecutive
    positions holds a selected one, so two selected positions are at most w apart.
    """
    if not hashes:
        return []
    window = min(w, len(hashes))
    selected: list[tuple[int, int]] = []
    last = -1
    for start in range(len(hashes) - window + 1):
        lowest = min(hashes[start : start + window])
        if last >= start and hashes[last] == lowest:
            continue  # robust winnowing: on a tie keep the hash already selected
        best = start + window - 1
        while hashes[best] != lowest:  # else the rightmost minimum
            best -= 1
        selected.append((lowest, best))
        last = best
    return selected
