"""A candidate's data: erased on request by an admin (grader/erasure.py does the work)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import Admin, SettingsDep
from api.schemas import EMAIL, ErasureOut
from grader import erasure

router = APIRouter(prefix="/api/candidates", tags=["candidates"])


@router.delete("/{email}", response_model=ErasureOut)
def erase_candidate(
    email: Annotated[str, Path(pattern=EMAIL, max_length=320)], token: Admin, settings: SettingsDep
) -> ErasureOut:
    """Remove everything about the candidate with this email: hosted repositories,
    submissions, reports, pushes, tokens, invitations, comparisons, queued jobs.

    Idempotent: erasing again finishes an interrupted erasure, or erases nothing.
    The audit log records the erasure's id, who asked and the counts, not the email.
    """
    erased = erasure.erase(settings, email, f"token:{token.id}")
    return ErasureOut(erasure=erased.id, counts=erased.counts)
