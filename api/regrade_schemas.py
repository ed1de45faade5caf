"""Input and output shapes of the regrade endpoints (api/routes/regrades.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import EMAIL
from grader.regrade import RegradeView
from grader.regrade_diff import SubmissionDiff
from grader.store.models import RegradeRow
from grader.timestamps import Timestamp


class RegradeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    challenge: str = Field(min_length=1, max_length=100)
    version: str | None = Field(default=None, max_length=64, description="default: current")
    only: Literal["graded", "tampered", "error"] | None = None
    candidate: str | None = Field(default=None, max_length=320, pattern=EMAIL)


class RegradeOut(BaseModel):
    id: str
    challenge: str
    version: str
    state: str
    selection: dict[str, Any]
    requested_by: str
    created_at: Timestamp
    decided_by: str | None
    decided_at: Timestamp | None

    @classmethod
    def of(cls, row: RegradeRow) -> RegradeOut:
        return cls(
            id=row.id,
            challenge=row.challenge_id,
            version=row.version,
            state=row.state,
            selection=dict(row.selection or {}),
            requested_by=row.requested_by,
            created_at=row.created_at,
            decided_by=row.decided_by,
            decided_at=row.decided_at,
        )


class RegradeStarted(BaseModel):
    id: str
    challenge: str
    version: str
    submissions: int
    queued: bool = Field(description="false: Redis was unreachable; workers queue them later")


class SkillChangeOut(BaseModel):
    name: str
    old: float | None
    new: float | None


class TestChangeOut(BaseModel):
    id: str
    old: str | None
    new: str | None


class SubmissionDiffOut(BaseModel):
    submission: str
    candidate: str | None
    commit: str | None
    change: str
    old_status: str | None
    new_status: str | None
    old_overall: float | None
    new_overall: float | None
    skills: list[SkillChangeOut]
    tests: list[TestChangeOut]
    error: str | None

    @classmethod
    def of(cls, d: SubmissionDiff) -> SubmissionDiffOut:
        return cls(
            submission=d.submission,
            candidate=d.candidate,
            commit=d.commit,
            change=d.change,
            old_status=d.old_status,
            new_status=d.new_status,
            old_overall=d.old_overall,
            new_overall=d.new_overall,
            skills=[SkillChangeOut(name=s.name, old=s.old, new=s.new) for s in d.skills],
            tests=[TestChangeOut(id=t.id, old=t.old, new=t.new) for t in d.tests],
            error=d.error,
        )


class RegradeDetail(RegradeOut):
    summary: dict[str, int] = Field(description="up, down, unchanged, errored, pending")
    submissions: list[SubmissionDiffOut]

    @classmethod
    def of_view(cls, view: RegradeView) -> RegradeDetail:
        base = RegradeOut.of(view.regrade).model_dump()
        diffs = [SubmissionDiffOut.of(d) for d in view.diffs]
        return cls(**base, summary=view.summary, submissions=diffs)


class RegradeDecided(BaseModel):
    id: str
    state: str
    published: int = Field(description="results that became current")
    kept: int = Field(description="failed shadow gradings: their submissions keep their result")


class PreviousResult(BaseModel):
    """A result a published regrade replaced, as it was."""

    regrade: str
    submission: str
    published_by: str | None
    published_at: Timestamp | None
    status: str | None
    overall: float | None
    report: dict[str, Any] | None
