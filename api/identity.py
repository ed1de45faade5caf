"""Who a viewer sees: the one place that decides how a candidate is shown (blind review).

Every page, export and API answer that carries a candidate's email, their
repository URL or text from their commits asks an ``Identities`` (one per
request) for a ``Shown``: the name to print, the email (None when blinded), the
repository (``HIDDEN_REPO`` when blinded), and ``text``/``data`` to mask any
other string or JSON (a report, an error, a commit subject) before it leaves.

A candidate is blinded for a viewer when the viewer is a reviewer (admins and the
candidate themselves always see the identity), the challenge is reviewed blind
(grader/store/reveals.py: the manifest's ``[review] blind`` or an admin's
override) and ``reveals.is_revealed`` does not lift it. A blinded candidate is
named by a pseudonym, "Candidate 7F3A2C": an HMAC-SHA256 of the challenge and
the identity key (the email, lowercased) under the server's secret
(GRADER_SECRET_KEY, or the key generated into the data folder), so it is stable
across pages and requests, differs between challenges, and cannot be guessed
from an email without the secret. Masking replaces the email, the repository
URLs and the names and emails of the people in the commits of the repository
(authors, committers, Signed-off-by and the like, read with git when the
repository is on this host) wherever they occur, and any other email address.
"""

from __future__ import annotations

import dataclasses
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from api.deps import session_secret
from api.similar import repository_on_host
from grader import git
from grader.config import Settings
from grader.errors import GraderError
from grader.hosting.repositories import clone_url
from grader.store import hosted, repo, reveals
from grader.store.models import InvitationRow, Role, SubmissionRow, TokenRow
from grader.store.results import Result

HIDDEN_REPO = "(repository hidden: blind review)"
HIDDEN_EMAIL = "(email hidden)"
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
AUTHOR_KEYS = frozenset(
    {"author", "author_name", "author_email", "committer", "committer_name", "committer_email"}
)
SEES_IDENTITY = frozenset({Role.ADMIN, Role.CANDIDATE})  # a candidate only reads their own
MIN_NAME = 3  # shorter names are not masked as words ("Al" would eat every "al")


def identity_key(email: str | None, repo_url: str) -> str:
    """What identifies a candidate within a challenge: the email, else the repository."""
    return email.strip().lower() if email else repo_url


def pseudonym(secret: str, challenge_id: str, key: str) -> str:
    mac = hmac.new(secret.encode(), f"blind-review\0{challenge_id}\0{key}".encode(), "sha256")
    return f"Candidate {mac.hexdigest()[:6].upper()}"


@dataclass(frozen=True)
class Shown:
    """One candidate as one viewer sees them."""

    blinded: bool
    name: str  # the email (or the repository when there is no candidate), or the pseudonym
    email: str | None
    repo: str
    pseudonym: str
    masks: tuple[tuple[re.Pattern[str], str], ...] = ()

    def text(self, value: str | None) -> str | None:
        """``value`` with every trace of a blinded candidate replaced."""
        if not self.blinded or not value:
            return value
        for pattern, replacement in self.masks:
            value = pattern.sub(replacement, value)
        return EMAIL.sub(HIDDEN_EMAIL, value)

    def data(self, value: Any) -> Any:
        """A JSON value (a report) masked throughout: strings, and author fields."""
        if not self.blinded:
            return value
        if isinstance(value, dict):
            return {
                k: self.name if k in AUTHOR_KEYS and isinstance(v, str) else self.data(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.data(v) for v in value]
        return self.text(value) if isinstance(value, str) else value


def _masks(
    name: str, repos: Iterable[str], people: Iterable[str]
) -> tuple[tuple[re.Pattern[str], str], ...]:
    """Longest first, so that a URL goes before the name inside it."""
    found: dict[str, tuple[re.Pattern[str], str]] = {}
    for url in repos:
        for form in {url, url.removesuffix(".git"), url.removeprefix("file://")}:
            if len(form) >= MIN_NAME:
                found[form.lower()] = (re.compile(re.escape(form), re.I), HIDDEN_REPO)
    for person in people:
        if len(person) >= MIN_NAME and person.lower() not in found:
            words = r"(?<!\w)" + re.escape(person) + r"(?!\w)"
            found[person.lower()] = (re.compile(words, re.I), name)
    return tuple(found[k] for k in sorted(found, key=len, reverse=True))


FULL_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


@lru_cache(maxsize=512)
def _people(repository: Path, commit: str, start: str | None) -> frozenset[str]:
    """A graded commit's history never changes: read its people once per process. Those of
    ``start`` and before (the starter: the grader's own seed commit, say) are not the
    candidate's."""
    exclude = [start] if start and FULL_SHA.fullmatch(start) else []
    try:
        return frozenset(git.commit_people(repository, commit, exclude))
    except (GraderError, OSError, ValueError):
        return frozenset()


class Identities:
    """A request's view of candidates: what is blind and revealed is read once, then cached."""

    def __init__(self, session: Session, settings: Settings, viewer: TokenRow) -> None:
        self.session, self.settings = session, settings
        self.sees_all = viewer.role in SEES_IDENTITY
        self._secret = session_secret(settings)
        self._blind: dict[str, bool] = {}
        self._revealed: dict[tuple[str, str], bool] = {}

    def blinded(self, challenge_id: str, key: str) -> bool:
        if self.sees_all:
            return False
        if challenge_id not in self._blind:
            self._blind[challenge_id] = reveals.blind_of(self.session, challenge_id).blind
        if not self._blind[challenge_id]:
            return False
        if (challenge_id, key) not in self._revealed:
            found = reveals.is_revealed(self.session, challenge_id, key)
            self._revealed[(challenge_id, key)] = found
        return not self._revealed[(challenge_id, key)]

    def of(
        self,
        challenge_id: str,
        email: str | None,
        repo_url: str,
        *,
        repos: Iterable[str] = (),
        people: Iterable[str] = (),
    ) -> Shown:
        key = identity_key(email, repo_url)
        alias = pseudonym(self._secret, challenge_id, key)
        if not self.blinded(challenge_id, key):
            return Shown(False, email or repo_url, email, repo_url, alias)
        masks = _masks(alias, [repo_url, *repos], [*([email] if email else []), *people])
        return Shown(True, alias, None, HIDDEN_REPO, alias, masks)

    def submission(self, row: SubmissionRow, *, people: bool = False) -> Shown:
        """``people``: also mask the names in the candidate's commits (reads the history)."""
        if not self.blinded(row.challenge_id, identity_key(row.candidate_email, row.repo)):
            return self.of(row.challenge_id, row.candidate_email, row.repo)  # nothing to read
        repos = self._invitation_repos(row.invitation_id)
        found: Iterable[str] = ()
        if people and row.commit:
            where = repository_on_host(self.settings, row.repo)
            start = self._start(row)
            found = _people(where, row.commit, start) if where is not None else ()
        return self.of(row.challenge_id, row.candidate_email, row.repo, repos=repos, people=found)

    def _start(self, row: SubmissionRow) -> str | None:
        """The commit the candidate's work starts after: the seed of their hosted repository,
        else the one their report's history analysis found."""
        invitation = hosted.get_invitation(self.session, row.invitation_id or "")
        if invitation is not None and invitation.seed_commit:
            return invitation.seed_commit
        found = repo.report_of(self.session, row.id)
        history = found.report.get("history") if found else None
        base = history.get("base_commit") if isinstance(history, dict) else None
        return base if isinstance(base, str) else None

    def invitation(self, row: InvitationRow) -> Shown:
        url = clone_url(self.settings, row.id)
        extra = [row.external_repo] if row.external_repo else []
        return self.of(row.challenge_id, row.candidate_email, url, repos=extra)

    def _invitation_repos(self, invitation_id: str | None) -> list[str]:
        if invitation_id is None:
            return []
        row = hosted.get_invitation(self.session, invitation_id)
        if row is None:
            return []
        return [
            clone_url(self.settings, row.id),
            *([row.external_repo] if row.external_repo else []),
        ]

    def result(self, challenge_id: str, result: Result) -> tuple[Result, bool]:
        """A results row (dashboard, exports) with the candidate and repository as shown,
        and whether they are blinded."""
        shown = self.of(challenge_id, result.candidate, result.repo)
        if not shown.blinded:
            return result, False
        return dataclasses.replace(result, candidate=shown.name, repo=shown.repo), True

    def results(self, challenge_id: str, results: list[Result]) -> list[Result]:
        return [self.result(challenge_id, r)[0] for r in results]

    def label(self, submission_id: str) -> str:
        """Another submission as a similarity names it: its candidate's pseudonym, always."""
        row = repo.get_submission(self.session, submission_id)
        if row is None:
            return "another submission"
        key = identity_key(row.candidate_email, row.repo)
        return pseudonym(self._secret, row.challenge_id, key)
