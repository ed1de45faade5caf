"""Password hashing.

Stored format (see the statement): scrypt$<n>$<r>$<p>$<salt>$<hash>
"""

from __future__ import annotations

import hashlib


def hash_password(password: str) -> str:
    # FIXME: this is what the prototype did. Replace it.
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def verify_password(password: str, stored: str) -> bool:
    return hash_password(password) == stored
