"""Input and output shapes of reviewers' decisions and comments (api/routes/decisions.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.schemas import ResultOut
from grader.store.models import CommentRow, CommentTarget, DecisionRow, Verdict
from grader.timestamps import Timestamp

MAX_NOTES = 10_000
MAX_COMMENT = 10_000


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Verdict = Field(description="advance, hold or reject")
    notes: str = Field(default="", max_length=MAX_NOTES, description="free text, may be empty")

    @field_validator("notes")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        return value.strip()


class DecisionOut(BaseModel):
    id: int
    decision: Verdict
    scope: Literal["submission", "candidate"]
    submission: str | None
    invitation: str | None
    challenge: str
    notes: str
    decided_by: str = Field(description="the name of the token that decided")
    decided_by_token: int
    decided_at: Timestamp

    @classmethod
    def of(cls, row: DecisionRow) -> DecisionOut:
        return cls(
            id=row.id,
            decision=Verdict(row.verdict),
            scope="submission" if row.submission_id else "candidate",
            submission=row.submission_id,
            invitation=row.invitation_id,
            challenge=row.challenge_id,
            notes=row.notes,
            decided_by=row.actor,
            decided_by_token=row.token_id,
            decided_at=row.created_at,
        )


class DecisionsOut(BaseModel):
    current: DecisionOut | None = Field(description="the newest decision, or null")
    history: list[DecisionOut] = Field(description="every decision, newest first")


class CommentTargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: CommentTarget = Field(description="test, finding or commit")
    id: str = Field(
        min_length=1,
        max_length=300,
        description="a test's id; a commit's full SHA; a finding's rule, then @<commit> "
        "when it is about one commit",
    )


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: CommentTargetIn
    body: str = Field(min_length=1, max_length=MAX_COMMENT)

    @field_validator("body")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a comment needs some text")
        return value.strip()


class CommentOut(BaseModel):
    id: int
    submission: str
    target: CommentTargetIn
    body: str
    author: str = Field(description="the name of the token that wrote it")
    author_token: int
    created_at: Timestamp

    @classmethod
    def of(cls, row: CommentRow) -> CommentOut:
        return cls(
            id=row.id,
            submission=row.submission_id,
            target=CommentTargetIn(kind=CommentTarget(row.target_kind), id=row.target_id),
            body=row.body,
            author=row.actor,
            author_token=row.token_id,
            created_at=row.created_at,
        )


class DecidedResultOut(ResultOut):
    """A result (one submission) with the reviewers' current decisions."""

    decision: DecisionOut | None = Field(description="this submission's current decision")
    candidate_decision: DecisionOut | None = Field(
        description="its candidate's current decision (about their invitation)"
    )


class DecidedResultsOut(BaseModel):
    challenge: str
    skills: list[str]
    results: list[DecidedResultOut]
