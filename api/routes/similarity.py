"""A challenge's similar pairs and clusters: ``GET /api/challenges/{id}/similarity`` and the
reviewer page ``/challenges/{id}/similarity``.

Both read grader/clusters.py (the same figures as each submission's
``/similar``); staff only (candidates get 403, a page without a session goes to
the login page). Submissions are named as the identity presenter names another
submission in a similarity (api/identity.py: its candidate's pseudonym), never
by email; the page links each pair to its side-by-side view. Evidence for
a reviewer, never a score.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.deps import PageReviewer, SessionDep, SettingsDep, Staff
from api.identity import Identities
from api.routes.exports import known_challenge
from api.routes.pages import page_error, render
from api.schemas_similarity import ChallengeSimilarityOut, ClusterOut, SimilarPairOut
from grader.clusters import Overview, overview
from grader.store import repo

router = APIRouter()
Above = Annotated[
    float | None,
    Query(gt=0, le=1, description="list the pairs from this share (default: the threshold)"),
]


@router.get(
    "/api/challenges/{challenge_id}/similarity",
    response_model=ChallengeSimilarityOut,
    tags=["challenges"],
)
def get_challenge_similarity(
    challenge_id: str,
    token: Staff,
    session: SessionDep,
    settings: SettingsDep,
    above: Above = None,
) -> ChallengeSimilarityOut:
    """The challenge's pairs of submissions at or above its similarity threshold (or
    `above`), most similar first, and their clusters (connected components)."""
    known_challenge(session, challenge_id)
    label = Identities(session, settings, token).label
    return _out(overview(session, challenge_id, above), label)


def _out(found: Overview, pseudonym: Callable[[str], str]) -> ChallengeSimilarityOut:
    return ChallengeSimilarityOut(
        challenge=found.challenge_id,
        threshold=found.threshold,
        pairs=[
            SimilarPairOut(
                later=p.later,
                earlier=p.earlier,
                later_label=pseudonym(p.later),
                earlier_label=pseudonym(p.earlier),
                similarity=round(p.similarity, 4),
                share_later=round(p.share_later, 4),
                share_earlier=round(p.share_earlier, 4),
                shared=p.shared,
                fragments=p.fragments,
            )
            for p in found.pairs
        ],
        clusters=[
            ClusterOut(
                submissions=list(c.ids),
                labels=[pseudonym(sid) for sid in c.ids],
                size=c.size,
                max_share=round(c.max_share, 4),
            )
            for c in found.clusters
        ],
    )


@router.get("/challenges/{challenge_id}/similarity", include_in_schema=False)
def challenge_similarity_page(
    request: Request,
    challenge_id: str,
    user: PageReviewer,
    session: SessionDep,
    settings: SettingsDep,
    above: Above = None,
) -> Response:
    challenge = repo.get_challenge(session, challenge_id)
    if challenge is None:
        return page_error(request, 404, "There is no such challenge.", user)
    context = {
        "user": user,
        "challenge": challenge,
        "found": overview(session, challenge_id, above),
        "label": Identities(session, settings, user).label,
    }
    return render(request, "challenge_similarity.html", context)
