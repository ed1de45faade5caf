"""The features work for honest callers."""

import json

import pytest

from auth.files import read_user_file, resolve_user_file
from auth.passwords import hash_password, verify_password
from auth.tokens import TokenService
from auth.users import DuplicateUser


def test_password_round_trip():
    for password in ("correct horse battery staple", "pässwörd ✓", " x "):
        stored = hash_password(password)
        assert isinstance(stored, str)
        assert verify_password(password, stored)
        assert not verify_password(password + "!", stored)


def test_token_round_trip_and_documented_format(tokens, clock, helpers):
    token = tokens.issue("alice")
    assert tokens.verify(token) == "alice"
    payload, signature = token.split(".")
    assert signature == helpers.sign(payload)
    assert json.loads(helpers.b64d(payload)) == {"sub": "alice", "exp": int(clock.now) + 900}
    # tokens built by another service that follows the format are accepted
    other = helpers.make_token({"sub": "bob", "exp": int(clock.now) + 5})
    assert tokens.verify(other) == "bob"


def test_users_register_and_authenticate(users):
    alice = users.create_user("alice", "wonderland")
    bob = users.create_user("o'brien", "it's-me")
    assert alice != bob
    assert users.find_user("alice").id == alice
    assert users.find_user("o'brien").username == "o'brien"
    assert users.authenticate("o'brien", "it's-me").id == bob
    assert users.authenticate("alice", "wonderland").id == alice
    assert users.authenticate("alice", "WONDERLAND") is None
    assert users.authenticate("nobody", "wonderland") is None
    with pytest.raises(DuplicateUser):
        users.create_user("alice", "again")


def test_files_inside_the_base_are_served(served):
    assert read_user_file(served, "docs/readme.txt") == b"hello"
    assert read_user_file(str(served), "top.txt") == b"top"
    assert read_user_file(served, "docs/../top.txt") == b"top"
    assert resolve_user_file(served, "docs/readme.txt") == (served / "docs" / "readme.txt").resolve()
    with pytest.raises(FileNotFoundError):
        read_user_file(served, "docs/missing.txt")


def test_token_service_uses_the_injected_clock(clock):
    service = TokenService(b"another-secret-of-32-bytes-long!", ttl_seconds=60, clock=clock)
    token = service.issue("carol")
    clock.now += 59
    assert service.verify(token) == "carol"
