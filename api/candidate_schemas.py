"""What the API shows a candidate of their submissions: grader.feedback's view, as JSON.

Built from ``CandidateView`` alone, never from a row or a report, so nothing the
policy withheld can reach a response.
"""

from __future__ import annotations

from pydantic import BaseModel

from grader.feedback import CandidateView
from grader.timestamps import Timestamp


class CandidateTestOut(BaseModel):
    id: str
    outcome: str
    message: str


class CandidateFeedbackOut(BaseModel):
    """The feedback policy's share of a grading: scores under ``summary`` and ``visible``,
    the visible tests under ``visible``; ``note`` says why a submission is held."""

    policy: str
    overall: float | None = None
    skills: dict[str, float] | None = None
    tests: list[CandidateTestOut] | None = None
    note: str = ""


class CandidateSubmissionOut(BaseModel):
    id: str
    challenge: str
    commit: str | None
    status: str
    created_at: Timestamp
    feedback: CandidateFeedbackOut


def feedback_out(view: CandidateView) -> CandidateFeedbackOut:
    return CandidateFeedbackOut(
        policy=view.policy.value,
        overall=view.overall,
        skills=dict(view.skills) if view.skills is not None else None,
        tests=[CandidateTestOut(**vars(t)) for t in view.tests] if view.tests is not None else None,
        note=view.note,
    )


def submission_out(view: CandidateView) -> CandidateSubmissionOut:
    return CandidateSubmissionOut(
        id=view.id,
        challenge=view.challenge,
        commit=view.commit,
        status=view.status,
        created_at=view.created_at,
        feedback=feedback_out(view),
    )
