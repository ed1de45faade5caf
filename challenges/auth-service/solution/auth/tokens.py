"""Signed, expiring bearer tokens (HMAC-SHA256).

Format: ``<payload>.<signature>``, both URL-safe base64 without padding;
payload is the JSON object ``{"sub": <subject>, "exp": <unix seconds>}`` and
signature is HMAC-SHA256(secret, payload as ASCII).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Callable


class InvalidToken(Exception):
    """The token is malformed, forged or tampered with."""


class ExpiredToken(InvalidToken):
    """The token was genuine but its lifetime is over."""


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not text or "=" in text:
        raise InvalidToken("bad encoding")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidToken("bad encoding") from exc


class TokenService:
    def __init__(self, secret: bytes, ttl_seconds: int,
                 clock: Callable[[], float] = time.time) -> None:
        if len(secret) < 16:
            raise ValueError("the secret must be at least 16 bytes")
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        self._secret = secret
        self._ttl = ttl_seconds
        self._clock = clock

    def _sign(self, payload: str) -> str:
        return _b64encode(hmac.new(self._secret, payload.encode("ascii"), hashlib.sha256).digest())

    def issue(self, subject: str) -> str:
        claims = {"sub": subject, "exp": int(self._clock()) + self._ttl}
        payload = _b64encode(json.dumps(claims, separators=(",", ":")).encode("utf-8"))
        return f"{payload}.{self._sign(payload)}"

    def verify(self, token: str) -> str:
        """The token's subject; raises InvalidToken (or ExpiredToken)."""
        if not isinstance(token, str) or token.count(".") != 1:
            raise InvalidToken("malformed token")
        payload, signature = token.split(".")
        try:
            payload.encode("ascii")
            given = _b64decode(signature)
        except UnicodeEncodeError as exc:
            raise InvalidToken("malformed token") from exc
        expected = hmac.new(self._secret, payload.encode("ascii"), hashlib.sha256).digest()
        if not hmac.compare_digest(given, expected):
            raise InvalidToken("bad signature")
        try:
            claims = json.loads(_b64decode(payload))
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidToken("malformed payload") from exc
        if not isinstance(claims, dict):
            raise InvalidToken("malformed payload")
        subject, expiry = claims.get("sub"), claims.get("exp")
        if not isinstance(subject, str) or type(expiry) is not int:
            raise InvalidToken("malformed claims")
        if self._clock() >= expiry:
            raise ExpiredToken("token expired")
        return subject
