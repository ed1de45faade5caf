"""Input and output shapes of the API; database rows never leave as they are."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from grader.timestamps import Timestamp

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class SubmissionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    challenge: str = Field(min_length=1, max_length=100)
    repo: str = Field(min_length=1, max_length=2000)
    ref: str | None = Field(default=None, max_length=300)


class SubmissionCreated(BaseModel):
    id: str
    status: str


class StatusEvent(BaseModel):
    status: str
    at: Timestamp
    detail: str


class SubmissionOut(BaseModel):
    id: str
    challenge: str
    candidate: str | None
    repo: str
    ref: str | None
    commit: str | None
    status: str
    overall: float | None
    created_at: Timestamp
    updated_at: Timestamp
    error: str | None = None
    history: list[StatusEvent] | None = None


class SubmissionSummary(BaseModel):
    id: str
    challenge: str
    candidate: str | None
    status: str
    overall: float | None
    commit: str | None
    created_at: Timestamp


class ChallengeOut(BaseModel):
    id: str
    title: str
    language: str
    version: str
    commit: str | None
    skills: list[dict[str, Any]]
    tests: int


class InvitationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    challenge: str = Field(min_length=1, max_length=100)
    candidate: str = Field(pattern=EMAIL, max_length=320)
    external_repo: str | None = Field(default=None, max_length=2000)


class InvitationOut(BaseModel):
    id: str
    challenge: str
    candidate: str
    clone_url: str
    token: str
    webhook_secret: str | None = None
