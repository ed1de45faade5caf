"""Challenges the server knows."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AnyRole, SessionDep
from api.schemas import ChallengeOut
from grader.store import repo

router = APIRouter(prefix="/api/challenges", tags=["challenges"])


@router.get("", response_model=list[ChallengeOut])
def list_challenges(_token: AnyRole, session: SessionDep) -> list[ChallengeOut]:
    """Every challenge, at its current version."""
    out = []
    for row in repo.list_challenges(session):
        version = repo.challenge_version(session, row.id, row.current_version)
        out.append(
            ChallengeOut(
                id=row.id,
                title=row.title,
                language=row.language,
                version=row.current_version,
                commit=version.commit if version else None,
                skills=version.skills if version else [],
                tests=version.test_count if version else 0,
            )
        )
    return out
