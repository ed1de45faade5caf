"""Fetch stage: a submission (repository, ref) -> a bare clone, its commit and its tree.

Only URLs that settings allow are fetched: https (any host unless
``allowed_hosts`` narrows it), http for the server's own hosted repositories,
and local paths only when the caller allows them (the CLI does; the API does
not). Anything that looks like an option or a git transport helper is refused
before git sees it. The tree is read from git objects, never checked out.

A worker on another host fetches the server's hosted repositories with its
worker credential (``FetchPolicy.credential``, an Authorization header): it is
sent to the hosted prefixes only, never to another host, and redirects are not
followed with it. The server refusing that credential is ours to fix (an
InfrastructureError), not the candidate's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from grader import git
from grader.errors import InfrastructureError, RepositoryError
from grader.git import MODE_GITLINK, TreeEntry

MAX_FILES = 20_000
# <transport>::<address> runs a git remote helper (ext::, fd::, ...).
TRANSPORT_HELPER = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*::")
SCP_LIKE = re.compile(r"^[^/:]+@[^/:]+:")
REFUSED = re.compile(
    r"\b40[13]\b|authentication failed|could not read username|askpass|terminal prompts",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FetchPolicy:
    allow_local: bool = False
    allowed_hosts: tuple[str, ...] = ()  # empty: any https host
    hosted_prefixes: tuple[str, ...] = ()  # the server's own http(s) URLs
    local_roots: tuple[Path, ...] = ()  # folders whose repositories are allowed without allow_local
    credential: str = field(default="", repr=False)  # Authorization header for hosted_prefixes


@dataclass(frozen=True)
class Location:
    url: str
    protocols: tuple[str, ...]


@dataclass(frozen=True)
class Fetched:
    repo: str  # as given
    repo_dir: Path  # bare clone on the host
    commit: str
    ref: str | None


def locate(repo: str, policy: FetchPolicy) -> Location:
    """Decide whether and how a repository may be fetched; raises RepositoryError."""
    if not repo or any(c in repo for c in "\0\n\r"):
        raise RepositoryError("repository URL is empty or has control characters")
    if repo.startswith("-"):
        raise RepositoryError(f"refused repository {repo!r}: looks like an option")
    if TRANSPORT_HELPER.match(repo):
        raise RepositoryError(f"refused repository {repo!r}: git transport helpers are not allowed")
    if repo.startswith(tuple(policy.hosted_prefixes)) and policy.hosted_prefixes:
        return Location(repo, ("http", "https"))
    parts = urlsplit(repo)
    if parts.scheme == "https":
        host = (parts.hostname or "").lower()
        if not host:
            raise RepositoryError(f"refused repository {repo!r}: no host")
        if policy.allowed_hosts and host not in policy.allowed_hosts:
            raise RepositoryError(f"refused repository {repo!r}: host {host} is not allowed")
        return Location(repo, ("https",))
    if parts.scheme == "file" or (not parts.scheme and not SCP_LIKE.match(repo)):
        return _local(Path(parts.path if parts.scheme == "file" else repo), repo, policy)
    raise RepositoryError(
        f"refused repository {repo!r}: scheme {parts.scheme or 'ssh'!r} is not allowed (use https)"
    )


def _local(path: Path, repo: str, policy: FetchPolicy) -> Location:
    resolved = path.expanduser().resolve()
    allowed = policy.allow_local or any(
        resolved.is_relative_to(r.resolve()) for r in policy.local_roots
    )
    if not allowed:
        raise RepositoryError(f"refused repository {repo!r}: local paths are not allowed here")
    if not resolved.is_dir():
        raise RepositoryError(f"repository not found: {repo}")
    return Location(str(resolved), ("file",))


def fetch(
    repo: str, ref: str | None, workdir: Path, policy: FetchPolicy, timeout_s: float, max_bytes: int
) -> Fetched:
    """Clone (bare, bounded) and resolve the ref to its exact commit."""
    location = locate(repo, policy)
    repo_dir = workdir / "repo.git"
    secret = _credential_config(repo, policy)
    try:
        git.clone_bare(location.url, repo_dir, location.protocols, timeout_s, max_bytes, secret)
    except RepositoryError as exc:
        if secret and REFUSED.search(str(exc)):
            raise InfrastructureError(f"the server refused the worker's credential: {exc}") from exc
        raise
    try:
        commit = git.resolve_commit(repo_dir, ref or "HEAD")
    except RepositoryError:
        if ref is None:
            raise RepositoryError(f"repository {repo} has no commits") from None
        raise
    return Fetched(repo=repo, repo_dir=repo_dir, commit=commit, ref=ref)


def _credential_config(repo: str, policy: FetchPolicy) -> dict[str, str]:
    """git configuration that sends the worker's credential, for the server's URLs only."""
    hosted = bool(policy.hosted_prefixes) and repo.startswith(tuple(policy.hosted_prefixes))
    if not (policy.credential and hosted):
        return {}
    return {"http.extraHeader": policy.credential, "http.followRedirects": "false"}


def submission_tree(fetched: Fetched, max_bytes: int) -> list[TreeEntry]:
    """The tree at the commit, checked for size before any content is read.

    Submodules (gitlinks) are dropped: they are never fetched.
    """
    entries = [
        e for e in git.tree_entries(fetched.repo_dir, fetched.commit) if e.mode != MODE_GITLINK
    ]
    if len(entries) > MAX_FILES:
        raise RepositoryError(
            f"submission has {len(entries)} files; at most {MAX_FILES} are graded"
        )
    total = sum(e.size for e in entries)
    if total > max_bytes:
        raise RepositoryError(f"submission tree is {total >> 20} MB; at most {max_bytes >> 20} MB")
    return entries
