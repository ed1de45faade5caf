"""Password hashing with scrypt.

Stored format: ``scrypt$<n>$<r>$<p>$<salt>$<hash>`` where salt and hash are
URL-safe base64 without padding. The parameters travel with the hash, so the
cost can be raised later while old hashes still verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

N, R, P = 2**14, 8, 1
SALT_BYTES = 16
KEY_BYTES = 32
MAX_N = 2**20


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=dklen,
                          maxmem=256 * r * n * p + (1 << 24))


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    key = _scrypt(password, salt, N, R, P, KEY_BYTES)
    return f"scrypt${N}${R}${P}${_b64encode(salt)}${_b64encode(key)}"


def verify_password(password: str, stored: str) -> bool:
    """True if password matches stored; False for a mismatch or a malformed hash."""
    try:
        scheme, n_text, r_text, p_text, salt_text, key_text = stored.split("$")
        n, r, p = int(n_text), int(r_text), int(p_text)
        salt, expected = _b64decode(salt_text), _b64decode(key_text)
    except (ValueError, binascii.Error):
        return False
    if scheme != "scrypt" or not expected or not (1 < n <= MAX_N) or n & (n - 1) \
            or not (0 < r <= 64) or not (0 < p <= 16):
        return False
    try:
        actual = _scrypt(password, salt, n, r, p, len(expected))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(actual, expected)


# A valid hash of a random password: authenticating an unknown user verifies
# against it, so a missing account costs the same time as a wrong password.
DUMMY_HASH = hash_password(secrets.token_hex(16))
