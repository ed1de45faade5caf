"""A fixed-window rate limit whose counter expires with its window."""

import time

import game


def test_the_limit_holds_within_a_window(url):
    assert [game.allow(url, "c1", 3, 60) for _ in range(5)] == [True, True, True, False, False]


def test_the_counter_expires_with_its_window(url, r):
    assert game.allow(url, "c2", 1, 1)
    assert 0 < r.ttl("rate:c2") <= 1
    assert not game.allow(url, "c2", 1, 1)
    time.sleep(1.2)
    assert game.allow(url, "c2", 1, 1)


def test_clients_do_not_share_a_window(url):
    assert game.allow(url, "a", 1, 60)
    assert game.allow(url, "b", 1, 60)
    assert not game.allow(url, "a", 1, 60)


def test_a_counter_written_without_expiry_is_given_one(url, r):
    r.set("rate:c3", 0)  # left by an older version of the service, without a TTL
    assert game.allow(url, "c3", 5, 30)
    assert 0 < r.ttl("rate:c3") <= 30
