"""A candidate's submissions as the challenge's feedback policy lets them see them.

The policy is the one of the challenge version a submission was made against
(its manifest's ``[feedback]``); a version whose manifest can no longer be read
gets ``none``, so a broken folder never widens what a candidate sees. Every
caller that shows a candidate anything (the API, the candidate page, ``git
push``'s output) goes through ``view_of``, which goes through
``grader.feedback.candidate_view``.

Also here: the gradings limit (``[feedback] max_gradings``): a push past it is
stored but held, and a reviewer may release it.
"""

from __future__ import annotations

import functools
from pathlib import Path

from sqlalchemy.orm import Session

from grader.challenge import load_challenge
from grader.errors import BadInput
from grader.feedback import CandidateView, FeedbackPolicy, Policy, SubmissionFacts, candidate_view
from grader.store import gradings, repo
from grader.store.models import SubmissionRow, SubmissionStatus

UNREADABLE = FeedbackPolicy(Policy.NONE)


@functools.lru_cache(maxsize=256)
def _policy_at(root: str, _version: str) -> FeedbackPolicy:
    """A registered version's folder does not change under its version: cache by both."""
    try:
        return load_challenge(Path(root)).feedback
    except BadInput:  # ChallengeInvalid included: show nothing rather than guess
        return UNREADABLE


def policy_for(session: Session, challenge_id: str, version: str) -> FeedbackPolicy:
    found = repo.challenge_version(session, challenge_id, version)
    return UNREADABLE if found is None else _policy_at(found.root, version)


def view_of(session: Session, row: SubmissionRow) -> CandidateView:
    """The one submission, as its candidate may see it."""
    policy = policy_for(session, row.challenge_id, row.challenge_version)
    note = gradings.hold_reason(session, row.id) if row.status == SubmissionStatus.HELD else ""
    facts = SubmissionFacts(
        id=row.id,
        challenge=row.challenge_id,
        commit=row.commit,
        status=row.status,
        created_at=row.created_at,
        note=note,
    )
    stored = repo.report_of(session, row.id)
    return candidate_view(facts, stored.report if stored is not None else None, policy)


def views_of_invitation(session: Session, invitation_id: str) -> list[CandidateView]:
    """An invitation's submissions, newest first, as its candidate may see them."""
    return [view_of(session, row) for row in gradings.of_invitation(session, invitation_id)]


# -- the gradings limit ----------------------------------------------------------------------
def limit_reason(session: Session, row: SubmissionRow) -> str | None:
    """Why a new submission of an invitation is held rather than graded, if it is."""
    if row.invitation_id is None:
        return None
    limit = policy_for(session, row.challenge_id, row.challenge_version).max_gradings
    if limit is None:
        return None
    used = gradings.gradings_used(session, row.invitation_id) - 1  # this row counts itself
    if used < limit:
        return None
    return (
        f"not graded: this challenge grades at most {limit} push(es) per candidate; "
        "it is kept, and a reviewer can have it graded"
    )


def hold_if_over_limit(session: Session, row: SubmissionRow) -> str | None:
    """Hold a just-created submission past its limit; the reason, or None if it may be queued."""
    reason = limit_reason(session, row)
    if reason is not None:
        gradings.hold(session, row, reason)
    return reason


def release(session: Session, row: SubmissionRow, actor: str) -> bool:
    """A reviewer asks for a held submission's grading; False if it was not held."""
    if not gradings.release(session, row, f"released for grading by {actor}"):
        return False
    repo.audit(session, actor, "submission.release", row.id, {"candidate": row.candidate_email})
    return True
