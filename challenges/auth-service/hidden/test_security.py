"""Security properties."""

import base64
import hashlib
import hmac
import json
import secrets
import sys

import pytest

from auth.files import UnsafePath, read_user_file
from auth.passwords import hash_password, verify_password
from auth.tokens import ExpiredToken, InvalidToken


def _parse(stored):
    parts = stored.split("$")
    assert len(parts) == 6 and parts[0] == "scrypt", f"not the documented scrypt format: {stored!r}"
    n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
    decode = lambda t: base64.urlsafe_b64decode(t + "=" * (-len(t) % 4))  # noqa: E731
    return n, r, p, decode(parts[4]), decode(parts[5])


def test_passwords_are_stored_with_salted_scrypt():
    password = "hunter2-Summer2024"
    stored = hash_password(password)
    assert password not in stored
    n, r, p, salt, key = _parse(stored)
    assert n >= 2**14 and n & (n - 1) == 0 and r >= 8 and p >= 1
    assert len(salt) >= 16 and len(key) >= 32
    recomputed = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=len(key),
                                maxmem=256 * r * n * p + (1 << 24))
    assert recomputed == key
    for fast in (hashlib.md5, hashlib.sha1, hashlib.sha256, hashlib.sha512):
        assert fast(password.encode()).hexdigest() not in stored


def test_every_hash_gets_its_own_salt():
    first, second = hash_password("same password"), hash_password("same password")
    assert first != second
    assert _parse(first)[3] != _parse(second)[3]
    assert verify_password("same password", first) and verify_password("same password", second)


def test_verification_reads_the_parameters_from_the_stored_hash():
    # A hash made with other (stronger) parameters than the current default still verifies.
    salt = secrets.token_bytes(24)
    key = hashlib.scrypt(b"legacy", salt=salt, n=2**15, r=8, p=1, dklen=48, maxmem=1 << 27)
    b64 = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
    stored = f"scrypt${2**15}$8$1${b64(salt)}${b64(key)}"
    assert verify_password("legacy", stored)
    assert not verify_password("legacy!", stored)


def test_malformed_stored_hashes_do_not_verify():
    good = hash_password("pw")
    md5 = hashlib.md5(b"pw").hexdigest()
    for stored in ("", "pw", md5, "scrypt$16384$8$1$", "scrypt$x$8$1$AAAA$BBBB",
                   good.replace("scrypt", "plain", 1), "$".join(good.split("$")[:-1])):
        assert verify_password("pw", stored) is False, stored


def _spy_on_compare_digest(monkeypatch, force=None):
    """Route every compare_digest the auth package can reach through a recorder."""
    real = hmac.compare_digest
    calls = []

    def spy(a, b):
        calls.append((a, b))
        return real(a, b) if force is None else force

    monkeypatch.setattr(hmac, "compare_digest", spy)
    monkeypatch.setattr(secrets, "compare_digest", spy)
    for name, module in list(sys.modules.items()):
        if module is not None and (name == "auth" or name.startswith("auth.")):
            for attr, value in list(vars(module).items()):
                if value is real:
                    monkeypatch.setattr(module, attr, spy)
    return calls


def test_password_check_is_constant_time(monkeypatch):
    stored = hash_password("s3cret")
    calls = _spy_on_compare_digest(monkeypatch)
    assert verify_password("s3cret", stored)
    assert not verify_password("guess", stored)
    assert len(calls) >= 2, "verify_password must compare with hmac.compare_digest"
    monkeypatch.undo()
    _spy_on_compare_digest(monkeypatch, force=False)
    assert not verify_password("s3cret", stored), \
        "the result must be decided by compare_digest, not by another comparison"


def test_token_signature_check_is_constant_time(monkeypatch, tokens):
    token = tokens.issue("alice")
    calls = _spy_on_compare_digest(monkeypatch)
    assert tokens.verify(token) == "alice"
    assert calls, "TokenService.verify must compare signatures with hmac.compare_digest"
    monkeypatch.undo()
    _spy_on_compare_digest(monkeypatch, force=False)
    with pytest.raises(InvalidToken):
        tokens.verify(token)


def test_tokens_expire(tokens, clock, helpers):
    token = tokens.issue("alice")
    clock.now += 899
    assert tokens.verify(token) == "alice"
    clock.now += 1
    with pytest.raises(ExpiredToken):
        tokens.verify(token)
    stale = helpers.make_token({"sub": "bob", "exp": int(clock.now) - 1})
    with pytest.raises(ExpiredToken):
        tokens.verify(stale)


def test_tampered_and_forged_tokens_are_rejected(tokens, clock, helpers):
    token = tokens.issue("alice")
    payload, signature = token.split(".")
    claims = json.loads(helpers.b64d(payload))
    as_admin = helpers.b64e(json.dumps({**claims, "sub": "admin"}).encode())
    forever = helpers.b64e(json.dumps({**claims, "exp": claims["exp"] + 10**9}).encode())
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    other_key = helpers.make_token({"sub": "alice", "exp": int(clock.now) + 60},
                                   secret=b"not-the-server-secret-at-all!!!!")
    for forged in (f"{as_admin}.{signature}", f"{forever}.{signature}", f"{payload}.{flipped}",
                   other_key, f"{payload}.", f"{payload}.{helpers.b64e(b'')}",
                   f"{as_admin}.{helpers.b64e(hashlib.sha256(as_admin.encode()).digest())}"):
        with pytest.raises(InvalidToken):
            tokens.verify(forged)
            pytest.fail(f"accepted forged token {forged!r}")


def test_malformed_tokens_fail_closed(tokens, clock, helpers):
    exp = int(clock.now) + 60
    signed_junk = [helpers.make_token(raw) for raw in (
        b"not json", b"[1, 2]", b"\xff\xfe", json.dumps({"sub": "a"}).encode(),
        json.dumps({"sub": "a", "exp": str(exp)}).encode(),
        json.dumps({"sub": 7, "exp": exp}).encode())]
    for bad in ["", ".", "abc", "a.b.c", "!!!.???", "é.é", *signed_junk]:
        with pytest.raises(InvalidToken):
            tokens.verify(bad)
            pytest.fail(f"accepted malformed token {bad!r}")


def test_user_lookup_is_not_injectable(users):
    users.create_user("alice", "wonderland")
    users.create_user("bob", "builder")
    for attack in ("' OR '1'='1", "' OR 1=1 --", "alice' --", "x' UNION SELECT 1, 'alice', 'h' --"):
        assert users.find_user(attack) is None, attack
        assert users.authenticate(attack, "wonderland") is None, attack
    sneaky = "mallory', 'scrypt$1$1$1$AA$AA') --"
    users.create_user(sneaky, "real password")
    assert users.find_user(sneaky).username == sneaky
    assert users.authenticate(sneaky, "real password") is not None
    assert users.find_user("mallory") is None


def test_unknown_users_cost_as_much_as_wrong_passwords(users, monkeypatch):
    users.create_user("alice", "wonderland")
    real = hashlib.scrypt
    calls = []

    def counting(*args, **kwargs):
        calls.append(kwargs.get("n"))
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    for name, module in list(sys.modules.items()):
        if module is not None and (name == "auth" or name.startswith("auth.")):
            for attr, value in list(vars(module).items()):
                if value is real:
                    monkeypatch.setattr(module, attr, counting)
    assert users.authenticate("alice", "wrong") is None
    wrong_password = len(calls)
    assert users.authenticate("mallory", "wrong") is None
    assert wrong_password >= 1 and len(calls) - wrong_password >= wrong_password, \
        "an unknown username must run the same key derivation as a wrong password"


@pytest.mark.parametrize("name", [
    "../secret.txt", "docs/../../secret.txt", "/etc/passwd", "../files_private/key.pem",
    "docs/../../files_private/key.pem", "..", "",
], ids=["parent", "nested-parent", "absolute", "sibling-prefix", "nested-sibling", "dotdot",
        "empty"])
def test_file_names_cannot_escape_the_base(served, name):
    with pytest.raises(UnsafePath):
        read_user_file(served, name)


def test_symlinks_cannot_escape_the_base(served, tmp_path):
    (served / "innocent.txt").symlink_to(tmp_path / "secret.txt")
    (served / "docs" / "up").symlink_to(tmp_path)
    for name in ("innocent.txt", "docs/up/secret.txt"):
        with pytest.raises(UnsafePath):
            read_user_file(served, name)
