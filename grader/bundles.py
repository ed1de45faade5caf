"""Challenge bundles: one registered challenge version as a tar, for workers on other hosts.

The server packs a version's folder as it is on its disk (regular files only:
no symlink is followed or packed, no ``.git``, no ``__pycache__``) under
``challenge/``, and the environment locks it resolved under ``locks/``, so a
worker installs the very package versions the server recorded. A worker
unpacks a bundle into a folder of its own (regular files and folders only; an
absolute name, a ``..``, a link or a device is refused), then recomputes the
version's content hash with the function that registered it
(``Challenge.content_hash``): a bundle whose content differs from the recorded
version (tampered with, or the server's folder edited since) is refused with an
InfrastructureError, and never graded with.
"""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from pathlib import Path, PurePosixPath
from typing import IO

from grader.challenge import load_challenge
from grader.errors import GraderError, InfrastructureError

MAX_BUNDLE_BYTES = 64 << 20  # packed; a challenge is statement, starter, solution, hidden tests
MAX_UNPACKED_BYTES = 256 << 20
CHALLENGE = "challenge"
LOCKS = "locks"
SKIPPED = frozenset({".git", "__pycache__"})


class BundleRefused(InfrastructureError):
    """A bundle that is not the recorded challenge version (or not a bundle at all)."""


def pack(root: Path, locks: Path | None) -> bytes:
    """The tar.gz of ``root``'s regular files (and of ``locks``' lock files)."""
    if not root.is_dir():
        raise InfrastructureError(f"the folder of this challenge version is gone: {root}")
    buffer = io.BytesIO()
    # mtime 0: the same folder packs to the same bytes
    with (
        gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as compressed,
        tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for path, name in _files(root, CHALLENGE):
            _add(tar, path, name)
        if locks is not None and locks.is_dir():
            for lock in sorted(locks.glob("*.txt")):
                if lock.is_file() and not lock.is_symlink():
                    _add(tar, lock, f"{LOCKS}/{lock.name}")
    data = buffer.getvalue()
    if len(data) > MAX_BUNDLE_BYTES:
        raise InfrastructureError(f"challenge folder {root} packs to more than 64 MB")
    return data


def _files(root: Path, prefix: str) -> list[tuple[Path, str]]:
    """(path, name in the tar) of every regular file under ``root``, no link followed."""
    found: list[tuple[Path, str]] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED)
        for file in sorted(files):
            path = Path(folder) / file
            if path.is_file() and not path.is_symlink():
                found.append((path, f"{prefix}/{path.relative_to(root).as_posix()}"))
    return found


def _add(tar: tarfile.TarFile, path: Path, name: str) -> None:
    info = tarfile.TarInfo(name)
    data = path.read_bytes()
    info.size = len(data)
    info.mode = 0o755 if os.access(path, os.X_OK) else 0o644
    tar.addfile(info, io.BytesIO(data))


def unpack(bundle: IO[bytes], dest: Path) -> Path:
    """Unpack a bundle into the new folder ``dest``; returns its challenge folder."""
    dest.mkdir(parents=True)
    written = 0
    try:
        with tarfile.open(fileobj=bundle, mode="r:gz") as tar:
            for member in tar:
                target = _member_path(member, dest)
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                written += member.size
                if written > MAX_UNPACKED_BYTES:
                    raise BundleRefused("challenge bundle unpacks to more than 256 MB")
                source = tar.extractfile(member)
                assert source is not None  # a regular file (checked in _member_path)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(source.read())
                target.chmod(0o755 if member.mode & 0o111 else 0o644)
    except (tarfile.TarError, EOFError, OSError, gzip.BadGzipFile) as exc:
        raise BundleRefused(f"challenge bundle is not a readable tar.gz: {exc}") from exc
    return dest / CHALLENGE


def _member_path(member: tarfile.TarInfo, dest: Path) -> Path:
    name = PurePosixPath(member.name)
    if (
        name.is_absolute()
        or ".." in name.parts
        or len(name.parts) < 2
        or name.parts[0] not in (CHALLENGE, LOCKS)
    ):
        raise BundleRefused(f"challenge bundle holds an unexpected path: {member.name!r}")
    if not (member.isfile() or member.isdir()):
        raise BundleRefused(f"challenge bundle holds a link or a device: {member.name!r}")
    return dest.joinpath(*name.parts)


def verify(challenge_dir: Path, challenge_id: str, version: str) -> None:
    """Raise BundleRefused unless the folder is ``challenge_id`` at exactly ``version``."""
    try:
        challenge = load_challenge(challenge_dir)
    except GraderError as exc:
        raise BundleRefused(
            f"challenge bundle of {challenge_id} {version} is not a valid challenge: {exc}"
        ) from exc
    got = challenge.content_hash()
    if got != version or challenge.id != challenge_id:
        raise BundleRefused(
            f"challenge bundle of {challenge_id} {version} does not match its recorded hash "
            f"(it holds {challenge.id} {got}): refused, nothing graded with it"
        )
