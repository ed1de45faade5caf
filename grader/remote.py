"""Where a worker reads what it grades: this host's folders, or the server over HTTP.

With ``GRADER_SERVER_URL`` and ``GRADER_WORKER_TOKEN`` set (a token of role
``worker``), a worker needs nothing of the server's disk:

- a hosted repository is cloned from ``<server>/git/<id>.git`` over smart HTTP
  with the worker's credential (sent to the server's URLs only);
- a challenge version is fetched from
  ``<server>/api/challenges/<id>/versions/<version>/bundle``, checked against
  its recorded content hash (grader/bundles.py) before any use, and kept under
  the worker's own data folder (``challenge-bundles/<id>/<version>``), checked
  again the first time each process uses it. The locks in the bundle join the
  worker's ``locks/`` (never replacing one), so its images install the versions
  the server recorded.

Unset, a worker reads the server's folders as before: the challenge version's
recorded folder and hosted repositories under ``<data_dir>/repos``.
"""

from __future__ import annotations

import base64
import re
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from grader.bundles import MAX_BUNDLE_BYTES, BundleRefused, unpack, verify
from grader.config import Settings
from grader.errors import InfrastructureError
from grader.fetch import FetchPolicy
from grader.hosting.repositories import invitation_id_of, local_repository

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_CHUNK = 1 << 16


@dataclass
class Remote:
    """The server a worker on another host reads from, and its cache of challenge versions."""

    server_url: str
    token: str = field(repr=False)
    data_dir: Path
    timeout_s: float = 120.0
    _checked: set[Path] = field(default_factory=set)

    @classmethod
    def of(cls, settings: Settings) -> Remote | None:
        if not settings.server_url:
            return None
        if not settings.worker_token:
            raise InfrastructureError("GRADER_SERVER_URL is set but GRADER_WORKER_TOKEN is not")
        url = settings.server_url.rstrip("/")
        return cls(url, settings.worker_token, settings.data_dir, settings.clone_timeout_s)

    def git_url(self, invitation_id: str) -> str:
        return f"{self.server_url}/git/{invitation_id}.git"

    def policy(self, local_roots: tuple[Path, ...]) -> FetchPolicy:
        basic = base64.b64encode(f"worker:{self.token}".encode()).decode()
        return FetchPolicy(
            local_roots=local_roots,
            hosted_prefixes=(f"{self.server_url}/git/",),
            credential=f"Authorization: Basic {basic}",
        )

    # -- challenge versions ---------------------------------------------------------------
    def challenge(self, challenge_id: str, version: str) -> Path:
        """The folder of that challenge version on this host, fetched and checked if need be."""
        if not (SAFE_NAME.match(challenge_id) and SAFE_NAME.match(version)):
            raise InfrastructureError(f"refused challenge version {challenge_id!r} {version!r}")
        cache = self.data_dir / "challenge-bundles" / challenge_id
        folder = cache / version / "challenge"
        if folder.is_dir():
            if folder in self._checked:
                return folder
            try:
                verify(folder, challenge_id, version)
            except BundleRefused:  # changed on this host since: fetched again
                shutil.rmtree(cache / version)
            else:
                self._checked.add(folder)
                return folder
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".fetching-", dir=cache) as tmp:
            unpacked = self._download(challenge_id, version, Path(tmp))
            verify(unpacked, challenge_id, version)
            self._keep_locks(unpacked.parent / "locks")
            try:  # atomic: another worker process may have put the same version there first
                (Path(tmp) / "bundle").rename(cache / version)
            except OSError:
                if not folder.is_dir():
                    raise
        self._checked.add(folder)
        return folder

    def _download(self, challenge_id: str, version: str, tmp: Path) -> Path:
        url = f"{self.server_url}/api/challenges/{challenge_id}/versions/{version}/bundle"
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.token}"})
        archive = tmp / "bundle.tar.gz"
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                size = 0
                with archive.open("wb") as out:
                    while chunk := response.read(_CHUNK):
                        size += len(chunk)
                        if size > MAX_BUNDLE_BYTES:
                            raise BundleRefused(f"challenge bundle from {url} exceeds 64 MB")
                        out.write(chunk)
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode(errors="replace")
            raise InfrastructureError(
                f"the server answered {exc.code} for challenge {challenge_id} {version}: {detail}"
            ) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise InfrastructureError(f"cannot fetch challenge bundle from {url}: {exc}") from exc
        with archive.open("rb") as bundle:
            return unpack(bundle, tmp / "bundle")

    def _keep_locks(self, locks: Path) -> None:
        if not locks.is_dir():
            return
        mine = self.data_dir / "locks"
        mine.mkdir(parents=True, exist_ok=True)
        for lock in locks.glob("*.txt"):
            if not (mine / lock.name).exists():
                shutil.copyfile(lock, mine / lock.name)


def challenge_folder(remote: Remote | None, challenge_id: str, version: str, root: str) -> Path:
    """Where a worker reads a challenge version: its recorded folder, or the server's bundle."""
    return Path(root) if remote is None else remote.challenge(challenge_id, version)


def repository_source(
    settings: Settings, remote: Remote | None, repo: str
) -> tuple[FetchPolicy, str]:
    """How a worker fetches a submission's repository: the policy, and where from.

    A hosted repository is read from this host's disk, or, with a server, over HTTP with
    the worker's credential (the candidate's token, which the worker never has, is not needed).
    """
    local_roots = (settings.data_dir / "repos",)
    if remote is None:
        policy = FetchPolicy(
            local_roots=local_roots, hosted_prefixes=tuple(settings.hosted_prefixes)
        )
        return policy, str(local_repository(settings, repo) or repo)
    invitation_id = invitation_id_of(settings, repo)
    source = remote.git_url(invitation_id) if invitation_id else repo
    return remote.policy(local_roots), source
