import base64
import hashlib
import hmac
import json
import sqlite3

import pytest

SECRET = b"unit-test-secret-0123456789abcdef"


def b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(payload: str, secret: bytes = SECRET) -> str:
    return b64e(hmac.new(secret, payload.encode("ascii"), hashlib.sha256).digest())


def make_token(claims, secret: bytes = SECRET) -> str:
    """A token built by the documented format, independently of the candidate's code."""
    raw = claims if isinstance(claims, bytes) else json.dumps(claims).encode()
    payload = b64e(raw)
    return f"{payload}.{sign(payload, secret)}"


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def tokens(clock):
    from auth.tokens import TokenService
    return TokenService(SECRET, ttl_seconds=900, clock=clock)


@pytest.fixture
def helpers():
    class H:
        pass
    h = H()
    h.b64e, h.b64d, h.sign, h.make_token, h.secret = b64e, b64d, sign, make_token, SECRET
    return h


@pytest.fixture
def users(tmp_path):
    from auth.users import UserStore
    conn = sqlite3.connect(tmp_path / "users.db")
    store = UserStore(conn)
    store.create_schema()
    yield store
    conn.close()


@pytest.fixture
def served(tmp_path):
    """base/ with files, plus things next to it that must stay out of reach."""
    base = tmp_path / "files"
    (base / "docs").mkdir(parents=True)
    (base / "docs" / "readme.txt").write_bytes(b"hello")
    (base / "top.txt").write_bytes(b"top")
    (tmp_path / "secret.txt").write_bytes(b"TOP SECRET")
    (tmp_path / "files_private").mkdir()
    (tmp_path / "files_private" / "key.pem").write_bytes(b"PRIVATE KEY")
    return base
