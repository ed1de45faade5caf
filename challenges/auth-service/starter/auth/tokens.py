"""Signed, expiring bearer tokens (HMAC-SHA256). See the statement for the format."""

from __future__ import annotations

import time
from collections.abc import Callable


class InvalidToken(Exception):
    """The token is malformed, forged or tampered with."""


class ExpiredToken(InvalidToken):
    """The token was genuine but its lifetime is over."""


class TokenService:
    def __init__(self, secret: bytes, ttl_seconds: int,
                 clock: Callable[[], float] = time.time) -> None:
        self._secret = secret
        self._ttl = ttl_seconds
        self._clock = clock

    def issue(self, subject: str) -> str:
        # TODO
        raise NotImplementedError

    def verify(self, token: str) -> str:
        """The token's subject; raises InvalidToken (or ExpiredToken)."""
        # TODO
        raise NotImplementedError
