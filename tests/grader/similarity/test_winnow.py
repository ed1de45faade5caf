"""Winnowing's guarantees: the threshold t, locality (reordering), density, robustness."""

from __future__ import annotations

import itertools
import random

import pytest

from grader.similarity.winnow import Scheme, kgram_hashes, winnow


def stream(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice("abcdefghijklmnop") + rng.choice("xyz") for _ in range(n)]


def selected(kinds: list[str], scheme: Scheme) -> set[int]:
    return {h for h, _ in winnow(kgram_hashes(kinds, scheme.k), scheme.w)}


def test_the_default_scheme_and_its_guarantee() -> None:
    scheme = Scheme()
    assert (scheme.k, scheme.w, scheme.guarantee) == (15, 8, 22)
    with pytest.raises(ValueError):
        Scheme(k=0)


@pytest.mark.parametrize("seed", range(20))
def test_any_common_run_of_t_tokens_shares_a_fingerprint(seed: int) -> None:
    scheme = Scheme()
    common = stream(1000 + seed, scheme.guarantee)
    one = stream(seed, 200) + common + stream(seed + 1, 200)
    two = stream(seed + 2, 57) + common + stream(seed + 3, 31)
    assert selected(one, scheme) & selected(two, scheme)


def test_runs_shorter_than_k_never_match() -> None:
    scheme = Scheme()
    common = stream(99, scheme.k - 1)
    one = stream(1, 100) + common + stream(2, 100)
    two = stream(3, 100) + common + stream(4, 100)
    assert not selected(one, scheme) & selected(two, scheme)


def test_reordered_parts_keep_their_inner_fingerprints() -> None:
    scheme = Scheme()
    parts = [stream(seed, 120) for seed in range(5)]
    forward = [kind for part in parts for kind in part]
    backward = [kind for part in reversed(parts) for kind in part]
    for part in parts:
        alone = selected(part, scheme)
        # Only the k-grams near a part's edges see its neighbours.
        inner = {h for h, p in winnow(kgram_hashes(part, scheme.k), scheme.w) if p >= scheme.w}
        inner -= {h for h, p in winnow(kgram_hashes(part, scheme.k), scheme.w) if p > 120 - 30}
        assert inner and inner <= selected(forward, scheme) & selected(backward, scheme)
        assert len(alone & selected(backward, scheme)) >= 0.8 * len(alone)


def test_density_and_gaps() -> None:
    scheme = Scheme()
    hashes = kgram_hashes(stream(5, 3000), scheme.k)
    picked = winnow(hashes, scheme.w)
    positions = [p for _, p in picked]
    assert positions == sorted(set(positions))
    assert max(b - a for a, b in itertools.pairwise(positions)) <= scheme.w
    assert 1.5 / (scheme.w + 1) < len(picked) / len(hashes) < 2.5 / (scheme.w + 1)


def test_short_streams_and_repeated_code() -> None:
    assert winnow([], 8) == []
    assert winnow([5, 3, 9], 8) == [(3, 1)]
    # Robust winnowing: a run of equal minima keeps its selection while it stays in the
    # window, so 20 equal hashes give one fingerprint per w positions, not one per window.
    assert winnow([1] * 20, 4) == [(1, 3), (1, 7), (1, 11), (1, 15), (1, 19)]
    assert kgram_hashes(["a", "b"], 3) == []
    assert kgram_hashes(["a", "b", "c"], 3) == kgram_hashes(["a", "b", "c"], 3)
    assert all(0 <= h < 2**48 for h in kgram_hashes(stream(1, 100), 15))
