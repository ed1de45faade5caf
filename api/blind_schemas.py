"""Input and output shapes of blind review (api/routes/review.py)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from grader.store.reveals import BlindSource
from grader.timestamps import Timestamp


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    blind: bool | None = Field(
        description="true or false for this challenge's round whatever its manifest says; "
        "null: back to the manifest's [review] blind"
    )


class ReviewOut(BaseModel):
    challenge: str
    blind: bool = Field(description="reviewers see pseudonyms instead of candidates")
    source: BlindSource = Field(description="what decided it: the manifest, an admin, or neither")


class RevealOut(BaseModel):
    challenge: str
    candidate: str = Field(description="the candidate revealed (their email)")
    pseudonym: str = Field(description="what reviewers called them until now")
    revealed: bool = Field(description="false: they had been revealed before")
    at: Timestamp
