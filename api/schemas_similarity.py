"""The response schemas of a challenge's similarity overview (api/routes/similarity.py)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SimilarPairOut(BaseModel):
    later: str = Field(description="the submission whose comparison found the pair")
    earlier: str = Field(description="the submission it matched, graded before it")
    later_label: str = Field(description="a pseudonym, never the candidate's email")
    earlier_label: str
    similarity: float = Field(description="the larger of the two shares")
    share_later: float = Field(description="the share of `later` found in `earlier`")
    share_earlier: float = Field(description="the share of `earlier` found in `later`")
    shared: int = Field(description="fingerprints found on both sides")
    fragments: int


class ClusterOut(BaseModel):
    submissions: list[str] = Field(description="the closest pair's first")
    labels: list[str]
    size: int
    max_share: float = Field(description="the similarity of the cluster's closest pair")


class ChallengeSimilarityOut(BaseModel):
    challenge: str
    threshold: float = Field(description="the challenge's, unless `above` was given")
    pairs: list[SimilarPairOut] = Field(description="at or above the threshold, closest first")
    clusters: list[ClusterOut] = Field(description="connected components of those pairs")
