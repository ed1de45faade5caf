"""Challenge versions as bundles, for workers on other hosts (grader/bundles.py, grader/remote.py).

Only an admin or a worker token fetches one: a bundle holds the hidden tests.
The version is the content hash the server registered; the worker checks the
bundle against it before any use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException
from fastapi import Path as PathParam
from fastapi.responses import Response

from api.deps import BundleReader, SessionDep, SettingsDep
from grader import bundles
from grader.store import repo

router = APIRouter(prefix="/api/challenges", tags=["challenges"])
NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"


@router.get(
    "/{challenge_id}/versions/{version}/bundle",
    response_class=Response,
    responses={200: {"content": {"application/gzip": {}}, "description": "a tar.gz"}},
)
def challenge_bundle(
    _token: BundleReader,
    session: SessionDep,
    settings: SettingsDep,
    challenge_id: Annotated[str, PathParam(pattern=NAME)],
    version: Annotated[str, PathParam(pattern=NAME)],
) -> Response:
    """The challenge at exactly that version (a tar.gz with its environment locks)."""
    row = repo.challenge_version(session, challenge_id, version)
    if row is None:
        raise HTTPException(404, f"no version {version} of challenge {challenge_id}")
    data = bundles.pack(Path(row.root), settings.data_dir / "locks")
    return Response(
        data,
        media_type="application/gzip",
        headers={
            "Content-Disposition": f'attachment; filename="{challenge_id}-{version}.tar.gz"',
            "X-Grader-Challenge-Version": version,
        },
    )
