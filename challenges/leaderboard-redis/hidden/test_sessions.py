"""Sessions: unguessable tokens, keys that expire, sessions that end."""

import time

import game


def test_a_session_is_a_key_with_the_player_that_expires(url, r):
    token = game.start_session(url, "ada", 60)
    assert r.get(f"session:{token}") == "ada"
    assert 0 < r.ttl(f"session:{token}") <= 60
    assert game.session_player(url, token) == "ada"


def test_tokens_are_long_random_and_distinct(url):
    tokens = {game.start_session(url, "ada", 60) for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(t) >= 22 for t in tokens)  # 128 bits in base64 is 22 characters


def test_an_expired_session_is_gone(url):
    token = game.start_session(url, "bob", 1)
    time.sleep(1.2)
    assert game.session_player(url, token) is None


def test_an_ended_or_unknown_session_has_no_player(url, r):
    token = game.start_session(url, "cy", 60)
    game.end_session(url, token)
    assert game.session_player(url, token) is None
    assert r.exists(f"session:{token}") == 0
    assert game.session_player(url, "made-up-token") is None
