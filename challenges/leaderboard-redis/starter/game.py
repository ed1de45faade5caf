"""A game's leaderboard, sessions and rate limit on Redis (to be written: see the statement)."""


def submit_score(url: str, board: str, player: str, score: int) -> int:
    raise NotImplementedError


def top(url: str, board: str, n: int) -> list[tuple[str, int]]:
    raise NotImplementedError


def rank(url: str, board: str, player: str) -> int | None:
    raise NotImplementedError


def start_session(url: str, player: str, ttl_s: int) -> str:
    raise NotImplementedError


def session_player(url: str, token: str) -> str | None:
    raise NotImplementedError


def end_session(url: str, token: str) -> None:
    raise NotImplementedError


def allow(url: str, client: str, limit: int, window_s: int) -> bool:
    raise NotImplementedError
