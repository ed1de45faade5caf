"""The challenges a server knows: those added with `grader challenge add`, and the catalogue
folder (GRADER_CHALLENGES_DIR), registered at start without being added.

Registering prepares the challenge (its image and test inventory), so nothing
is built while a queued candidate waits. Adding also validates it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from grader.challenge import Challenge
from grader.config import Settings
from grader.errors import ChallengeInvalid, GraderError
from grader.prepare import PreparedChallenge, locate_challenge, prepare
from grader.store import repo, reveals
from grader.store.db import session_scope
from grader.store.models import ChallengeRow
from grader.validate import raise_if_invalid, validate_challenge

log = logging.getLogger("grader.catalogue")


def register(settings: Settings, prepared: PreparedChallenge, source: str) -> None:
    register_challenge(
        settings.effective_database_url, prepared.challenge, source, len(prepared.test_ids)
    )


def register_challenge(
    database_url: str, challenge: Challenge, source: str, test_count: int
) -> None:
    """The challenge's row at its current version (the tests and the soak register
    challenges without preparing them: ``test_count`` 0)."""
    skills: list[Any] = [{"name": s.name, "weight": s.weight} for s in challenge.skills]
    if challenge.version_control_weight > 0:
        skills.append({"name": "version_control", "weight": challenge.version_control_weight})
    with session_scope(database_url) as session:
        repo.upsert_challenge(
            session,
            challenge_id=challenge.id,
            title=challenge.title,
            language=challenge.language,
            source=source,
            version=challenge.content_hash(),
            commit=challenge.commit,
            root=str(challenge.root),
            skills=skills,
            test_count=test_count,
        )
        reveals.record_manifest(session, challenge.id, challenge.review_blind)


def add(
    settings: Settings,
    spec: str,
    services: Callable[[], tuple[Any, Any]],
    progress: Callable[[str], None] = lambda _m: None,
) -> PreparedChallenge:
    """Validate a challenge (every problem at once), then register it at its current version."""
    prepared, result = validate_challenge(spec, settings, services, progress)
    raise_if_invalid(result)
    register(settings, prepared, spec)
    return prepared


def sync_catalogue(settings: Settings, services: tuple[Any, Any]) -> list[str]:
    """Register every challenge of the catalogue folder; returns the ids registered."""
    builder, sandbox = services
    registered: list[str] = []
    if not settings.challenges_dir.is_dir():
        return registered
    for folder in sorted(p for p in settings.challenges_dir.iterdir() if p.is_dir()):
        if not (folder / "challenge.toml").is_file():
            continue
        try:
            prepared = prepare(locate_challenge(str(folder), settings), builder, sandbox, settings)
        except ChallengeInvalid as exc:
            log.error("catalogue challenge %s is invalid: %s", folder.name, "; ".join(exc.problems))
            continue
        except GraderError as exc:
            log.error("catalogue challenge %s cannot be prepared: %s", folder.name, exc)
            continue
        register(settings, prepared, str(folder))
        registered.append(prepared.challenge.id)
    return registered


def known(settings: Settings, challenge_id: str) -> ChallengeRow | None:
    with session_scope(settings.effective_database_url) as session:
        return repo.get_challenge(session, challenge_id)
