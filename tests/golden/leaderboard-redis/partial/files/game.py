"""Leaderboard right; short tokens and a counter that never expires (golden partial)."""

import secrets

import redis


def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True)


def submit_score(url: str, board: str, player: str, score: int) -> int:
    client = _client(url)
    client.zadd(f"leaderboard:{board}", {player: score}, gt=True)  # atomic: keeps the best
    return int(client.zscore(f"leaderboard:{board}", player))


def top(url: str, board: str, n: int) -> list[tuple[str, int]]:
    if n <= 0:
        return []
    entries = _client(url).zrange(f"leaderboard:{board}", 0, -1, desc=True, withscores=True)
    ordered = sorted(entries, key=lambda e: (-e[1], e[0]))
    return [(player, int(score)) for player, score in ordered[:n]]


def rank(url: str, board: str, player: str) -> int | None:
    client = _client(url)
    score = client.zscore(f"leaderboard:{board}", player)
    if score is None:
        return None
    better = client.zcount(f"leaderboard:{board}", f"({score}", "+inf")
    ties = client.zrangebyscore(f"leaderboard:{board}", score, score)
    return int(better) + sorted(ties).index(player) + 1


def start_session(url: str, player: str, ttl_s: int) -> str:
    token = secrets.token_hex(8)  # 64 bits: guessable in bulk
    _client(url).set(f"session:{token}", player, ex=ttl_s, nx=True)
    return token


def session_player(url: str, token: str) -> str | None:
    return _client(url).get(f"session:{token}")


def end_session(url: str, token: str) -> None:
    _client(url).delete(f"session:{token}")


def allow(url: str, client: str, limit: int, window_s: int) -> bool:
    key = f"rate:{client}"
    count = _client(url).incr(key)  # never expires: the window never ends
    return int(count) <= limit
