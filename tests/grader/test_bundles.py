"""Challenge bundles: packed from a folder, unpacked safely, checked against the recorded hash."""

from __future__ import annotations

import io
import shutil
import tarfile
from pathlib import Path

import pytest

from grader.bundles import BundleRefused, pack, unpack, verify
from grader.challenge import load_challenge
from grader.errors import InfrastructureError
from tests.conftest import WORD_FREQUENCY


@pytest.fixture
def challenge(tmp_path: Path) -> Path:
    folder = tmp_path / "server" / "word-frequency"
    shutil.copytree(WORD_FREQUENCY, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def names(data: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return tar.getnames()


def test_a_bundle_unpacks_to_the_version_it_was_packed_from(
    challenge: Path, tmp_path: Path
) -> None:
    locks = tmp_path / "locks"
    locks.mkdir()
    (locks / "abc.txt").write_text("numpy==2.0.0\n")
    version = load_challenge(challenge).content_hash()
    data = pack(challenge, locks)
    assert data == pack(challenge, locks)  # the same folder, the same bytes
    unpacked = unpack(io.BytesIO(data), tmp_path / "worker")
    verify(unpacked, "word-frequency", version)
    assert (unpacked.parent / "locks" / "abc.txt").read_text() == "numpy==2.0.0\n"
    assert (unpacked / "statement.md").read_bytes() == (challenge / "statement.md").read_bytes()


def test_links_git_and_caches_are_not_packed(challenge: Path, tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("the server's own file")
    (challenge / "hidden" / "leak.txt").symlink_to(tmp_path / "secret")
    (challenge / "linked").symlink_to(tmp_path, target_is_directory=True)
    (challenge / ".git").mkdir()
    (challenge / ".git" / "config").write_text("[core]\n")
    (challenge / "hidden" / "__pycache__").mkdir(exist_ok=True)
    (challenge / "hidden" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    packed = names(pack(challenge, None))
    assert "challenge/statement.md" in packed
    assert not [n for n in packed if "leak" in n or "linked" in n or ".git/" in n]
    assert not [n for n in packed if "__pycache__" in n]


def retarred(data: bytes, change: dict[str, bytes]) -> bytes:
    """The bundle with some files' contents replaced (or added)."""
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as source,
        tarfile.open(fileobj=out, mode="w:gz") as tar,
    ):
        for member in source:
            content = change.pop(member.name, None)
            extracted = source.extractfile(member)
            body = content if content is not None else extracted.read() if extracted else b""
            member.size = len(body)
            tar.addfile(member, io.BytesIO(body))
        for name, body in change.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return out.getvalue()


def test_a_tampered_bundle_is_refused_with_an_infrastructure_error(
    challenge: Path, tmp_path: Path
) -> None:
    version = load_challenge(challenge).content_hash()
    hidden = sorted(p for p in (challenge / "hidden").rglob("test_*.py"))[0]
    name = f"challenge/{hidden.relative_to(challenge).as_posix()}"
    tampered = retarred(pack(challenge, None), {name: b"def test_nothing():\n    pass\n"})
    unpacked = unpack(io.BytesIO(tampered), tmp_path / "worker")
    with pytest.raises(InfrastructureError) as refused:
        verify(unpacked, "word-frequency", version)
    assert isinstance(refused.value, BundleRefused)
    assert str(refused.value).startswith(
        f"challenge bundle of word-frequency {version} does not match its recorded hash (it holds "
    )
    assert str(refused.value).endswith("refused, nothing graded with it")


def test_another_challenge_at_a_matching_hash_is_still_refused(
    challenge: Path, tmp_path: Path
) -> None:
    version = load_challenge(challenge).content_hash()
    unpacked = unpack(io.BytesIO(pack(challenge, None)), tmp_path / "worker")
    with pytest.raises(BundleRefused, match="it holds word-frequency"):
        verify(unpacked, "another-challenge", version)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("../escaped.txt", tarfile.REGTYPE),
        ("/etc/passwd", tarfile.REGTYPE),
        ("challenge/../../escaped.txt", tarfile.REGTYPE),
        ("elsewhere/file.txt", tarfile.REGTYPE),
        ("challenge/link", tarfile.SYMTYPE),
        ("challenge/hard", tarfile.LNKTYPE),
        ("challenge/device", tarfile.CHRTYPE),
    ],
)
def test_a_bundle_naming_a_path_outside_or_a_link_is_refused(
    tmp_path: Path, name: str, kind: bytes
) -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.linkname = "/etc/passwd" if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE) else ""
        tar.addfile(info, io.BytesIO(b"") if kind == tarfile.REGTYPE else None)
    out.seek(0)
    with pytest.raises(BundleRefused):
        unpack(out, tmp_path / "worker")
    assert not (tmp_path / "escaped.txt").exists()


def test_what_is_not_a_tar_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BundleRefused, match=r"not a readable tar\.gz"):
        unpack(io.BytesIO(b"<html>502 Bad Gateway</html>"), tmp_path / "worker")


def test_a_version_whose_folder_is_gone_cannot_be_packed(tmp_path: Path) -> None:
    with pytest.raises(InfrastructureError, match="the folder of this challenge version is gone"):
        pack(tmp_path / "nowhere", None)
