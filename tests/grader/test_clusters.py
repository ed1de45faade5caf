"""Clusters are the connected components of the pairs at or above the threshold."""

from __future__ import annotations

from grader.clusters import Pair, clusters_of


def pair(later: str, earlier: str, share: float) -> Pair:
    return Pair(later, earlier, share, share / 2, 40, 2)


def test_pairs_that_share_a_submission_are_one_cluster_closest_first() -> None:
    pairs = [
        pair("c", "b", 0.7),
        pair("b", "a", 0.9),
        pair("e", "d", 0.6),
        pair("d", "f", 0.55),
        pair("x", "y", 0.95),
    ]
    clusters = clusters_of(pairs)
    assert [(c.ids, c.size, c.max_share) for c in clusters] == [
        (("x", "y"), 2, 0.95),
        (("b", "a", "c"), 3, 0.9),
        (("e", "d", "f"), 3, 0.6),
    ]
    assert [p.similarity for p in clusters[1].pairs] == [0.9, 0.7]


def test_a_pair_is_as_similar_as_its_larger_share() -> None:
    assert Pair("a", "b", 0.2, 0.8, 10, 1).similarity == 0.8
    assert clusters_of([]) == []
