"""Input and output shapes of the API; database rows never leave as they are."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.candidate_schemas import CandidateFeedbackOut
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


BLINDED = Field(
    default=False,
    description="true: blind review hides this candidate from you; `candidate` is a pseudonym "
    "and the repository is hidden",
)


class SubmissionOut(BaseModel):
    id: str
    challenge: str
    candidate: str | None
    blinded: bool = BLINDED
    repo: str
    ref: str | None
    commit: str | None
    status: str
    overall: float | None
    created_at: Timestamp
    updated_at: Timestamp
    error: str | None = None
    history: list[StatusEvent] | None = None
    feedback: CandidateFeedbackOut | None = None  # a candidate's: what the policy allows


class SubmissionSummary(BaseModel):
    id: str
    challenge: str
    candidate: str | None
    blinded: bool = BLINDED
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


class WebhookStatus(StrEnum):
    """What a webhook delivery led to."""

    QUEUED = "queued"  # a grading of the pushed commit
    HELD = "held"  # stored, not graded: past the challenge's gradings limit
    IGNORED = "ignored"  # not a push to the graded branch


class WebhookResult(BaseModel):
    status: WebhookStatus
    submission: str | None = None
    note: str = ""


class ResultOut(BaseModel):
    submission: str
    candidate: str | None
    blinded: bool = BLINDED
    repo: str
    status: str
    overall: float | None
    skills: dict[str, float]
    commit: str | None
    submitted_at: Timestamp
    graded_at: Timestamp | None


class ResultsOut(BaseModel):
    challenge: str
    skills: list[str]
    results: list[ResultOut]


class DeliveryOut(BaseModel):
    id: int
    submission: str | None  # None: a decision about a candidate with no submission
    url: str
    status: str
    attempts: int
    last_error: str | None
    response_code: int | None
    next_attempt_at: Timestamp | None
    created_at: Timestamp
    event: str = "grading.completed"
    decision: int | None = None


class SimilarSpan(BaseModel):
    path: str
    start_line: int
    end_line: int


class SimilarFragment(BaseModel):
    this: SimilarSpan = Field(description="the lines in this submission")
    other: SimilarSpan = Field(description="the lines in the other tree")
    fingerprints: int


class SimilarMatch(BaseModel):
    other: str = Field(description="the other submission's id, or 'solution' / 'starter'")
    kind: Literal["submission", "reference", "starter"]
    label: str = Field(description="the other submission's candidate by pseudonym, never by email")
    shared: int = Field(description="fingerprints found on both sides")
    share_this: float = Field(description="the share of this submission found in the other")
    share_other: float = Field(description="the share of the other found in this submission")
    similarity: float = Field(description="the larger of the two shares")
    flagged: bool = Field(description="similarity at or above the threshold")
    fragments: list[SimilarFragment]


class SimilarOut(BaseModel):
    submission: str
    computed: bool = Field(description="false: this submission was not compared (not graded)")
    threshold: float
    submissions: list[SimilarMatch] = Field(description="the closest other submissions first")
    references: list[SimilarMatch]
    starter: SimilarMatch | None


class ErasureOut(BaseModel):
    erasure: str = Field(description="the erasure's id, as the audit log records it")
    counts: dict[str, int] = Field(description="what was removed, per kind")
