"""A sorted set per board: best scores, ordering, ranks."""

import game


def test_a_board_is_a_sorted_set_of_best_scores(url, r):
    assert game.submit_score(url, "spring", "ada", 50) == 50
    assert game.submit_score(url, "spring", "ada", 30) == 50
    assert game.submit_score(url, "spring", "ada", 70) == 70
    assert r.type("leaderboard:spring") == "zset"
    assert r.zscore("leaderboard:spring", "ada") == 70


def test_a_lower_score_written_meanwhile_never_replaces_the_best(url, r):
    game.submit_score(url, "b", "bob", 10)
    r.zadd("leaderboard:b", {"bob": 90})  # another service's write, between two calls
    assert game.submit_score(url, "b", "bob", 40) == 90
    assert r.zscore("leaderboard:b", "bob") == 90


def test_top_is_highest_first_with_ties_alphabetical(url):
    for player, score in [("cy", 30), ("ada", 50), ("bob", 30), ("dee", 10)]:
        game.submit_score(url, "x", player, score)
    assert game.top(url, "x", 3) == [("ada", 50), ("bob", 30), ("cy", 30)]
    assert game.top(url, "x", 10) == [("ada", 50), ("bob", 30), ("cy", 30), ("dee", 10)]
    assert game.top(url, "empty", 5) == []


def test_rank_counts_from_one_and_knows_strangers(url):
    for player, score in [("cy", 30), ("ada", 50), ("bob", 30)]:
        game.submit_score(url, "x", player, score)
    assert [game.rank(url, "x", p) for p in ("ada", "bob", "cy")] == [1, 2, 3]
    assert game.rank(url, "x", "nobody") is None


def test_boards_are_separate(url):
    game.submit_score(url, "one", "ada", 5)
    game.submit_score(url, "two", "ada", 9)
    assert game.top(url, "one", 5) == [("ada", 5)]
    assert game.top(url, "two", 5) == [("ada", 9)]
