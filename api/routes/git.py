"""Hosted repositories over git's smart HTTP protocol: plain `git clone` and `git push`.

The password of HTTP basic auth is the candidate's token (any user name); an
admin token opens every repository, a reviewer's token clones and fetches every
repository but never pushes (403), and so does a worker token (a worker on
another host fetches what it grades). A request without valid credentials gets
401 with a Basic challenge, so git asks for them or uses those in the URL.
What git does with the repository is grader/hosting/pushes.py's business; this module
only authenticates, reads the request body (un-gzipped, bounded) and answers.
"""

from __future__ import annotations

import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response, StreamingResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from starlette.concurrency import run_in_threadpool

from api.deps import SessionDep, SettingsDep
from api.errors import PlainRefusal
from api.identity import Identities, identity_key
from grader.config import Settings
from grader.hosting import gate, pushes, repositories
from grader.store import erasure, hosted, repo
from grader.store.models import Role

router = APIRouter(prefix="/git", tags=["git"])
basic = HTTPBasic(
    realm="grader",
    auto_error=False,
    description="Any user name; the password is the candidate's (an admin's, a worker's) token.",
)
CHALLENGE = {"WWW-Authenticate": 'Basic realm="grader"'}
NO_CACHE = {
    "Cache-Control": "no-cache, max-age=0, must-revalidate",
    "Pragma": "no-cache",
    "Expires": "Fri, 01 Jan 1980 00:00:00 GMT",
}
ERASED = "this invitation was closed and its candidate's data erased"
SERVICES = {"git-upload-pack": "upload-pack", "git-receive-pack": "receive-pack"}
DRAIN_FACTOR = 4  # past its limit a push body is still read this far, so git hears why
_CHUNK = 64 * 1024
Inflate = Callable[[bytes], Iterator[bytes]]


@dataclass(frozen=True)
class HostedRepo:
    invitation_id: str
    pusher: pushes.Pusher
    read_only: bool = False  # a worker's credential: fetches only


def hosted_repository(
    name: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPBasicCredentials | None, Depends(basic)],
) -> HostedRepo:
    """The repository named in the path, if the credentials open it."""
    if credentials is None:
        raise HTTPException(401, "credentials required: your token as the password", CHALLENGE)
    token = repo.token_for_secret(session, credentials.password)
    if token is None and erasure.token_erased(session, repo.hash_token(credentials.password)):
        raise HTTPException(401, ERASED, CHALLENGE)
    if token is None:
        revoked = hosted.revoked_token(session, credentials.password)
        if revoked is not None:  # a clean refusal git prints, not a prompt for a password
            raise PlainRefusal(403, gate.revoked_reason(revoked[1]))
        raise HTTPException(401, "invalid token", CHALLENGE)
    invitation_id = name.removesuffix(".git")
    # Only a well-formed id reaches the database (a NUL byte would upset PostgreSQL).
    invitation = (
        hosted.get_invitation(session, invitation_id)
        if repositories.INVITATION_ID.match(invitation_id)
        else None
    )
    if invitation is None or not repositories.repository_path(settings, invitation.id).is_dir():
        raise HTTPException(404, "no such repository")
    if not repositories.may_use(token, invitation):
        if not repositories.may_read(token, invitation):
            raise HTTPException(403, "this repository belongs to another candidate")
        if _pushing(request):
            raise HTTPException(403, READ_ONLY[token.role == Role.WORKER])
        # A pack carries the commits' author names and emails: nothing to mask in it.
        key = identity_key(invitation.candidate_email, "")
        blinded = Identities(session, settings, token).blinded(invitation.challenge_id, key)
        if token.role == Role.REVIEWER and blinded:
            raise HTTPException(403, BLINDED)
    candidate = token.id == invitation.token_id
    refused = gate.access_refusal(invitation, candidate)
    if refused is not None:
        raise PlainRefusal(403, refused)
    read_only = not repositories.may_use(token, invitation)
    pusher = pushes.Pusher(f"token:{token.id}", token.id, candidate)
    return HostedRepo(invitation.id, pusher, read_only)


READ_ONLY = (
    "a reviewer's token clones and fetches, it never pushes",
    "a worker token may fetch repositories, never push to them",
)


def _refuse_push(hosted: HostedRepo) -> None:
    if hosted.read_only:
        raise HTTPException(403, "a reader's token fetches repositories, it never pushes")


BLINDED = (
    "this candidate is under blind review: read their work on the report page until a "
    "decision about them is recorded or an admin reveals them"
)
Hosted = Annotated[HostedRepo, Depends(hosted_repository)]


def _pushing(request: Request) -> bool:
    """Whether a request belongs to a push: its ref advertisement or the pack itself."""
    service = request.query_params.get("service")
    return request.url.path.endswith("/git-receive-pack") or service == "git-receive-pack"


@router.get("/{name}/info/refs")
def info_refs(
    hosted: Hosted,
    settings: SettingsDep,
    service: Annotated[str | None, Query(max_length=30)] = None,
) -> Response:
    """The ref advertisement git asks for before a fetch or a push."""
    if service not in SERVICES:
        raise HTTPException(400, "only git's smart HTTP protocol is served (?service=git-...)")
    if service == "git-receive-pack":
        _refuse_push(hosted)
    body = pushes.advertisement(settings, hosted.invitation_id, SERVICES[service])
    return Response(body, media_type=f"application/x-{service}-advertisement", headers=NO_CACHE)


@router.post("/{name}/git-upload-pack")
async def upload_pack(hosted: Hosted, settings: SettingsDep, request: Request) -> Response:
    """A fetch or a clone: wants and haves in, the pack out (streamed)."""
    _require_content_type(request, "git-upload-pack")
    limit = settings.max_git_request_mb << 20
    body, _size = await read_body(request, settings, limit, hard_limit=limit)
    await run_in_threadpool(gate.fetched, settings, hosted.invitation_id, hosted.pusher.bound)
    stream = pushes.upload_pack(settings, hosted.invitation_id, body)
    return StreamingResponse(
        stream, media_type="application/x-git-upload-pack-result", headers=NO_CACHE
    )


@router.post("/{name}/git-receive-pack")
async def receive_pack(hosted: Hosted, settings: SettingsDep, request: Request) -> Response:
    """A push: refused by the limits, or received, recorded and queued for grading."""
    _require_content_type(request, "git-receive-pack")
    _refuse_push(hosted)
    limit = (settings.max_hosted_repo_mb + 1) << 20
    body, size = await read_body(request, settings, limit, hard_limit=DRAIN_FACTOR * limit)
    try:
        answer = await run_in_threadpool(
            pushes.receive_pack, settings, hosted.invitation_id, body, size, hosted.pusher
        )
    finally:
        body.close()
    # Streamed: after git's report it may wait for the grading (push_feedback.py).
    return StreamingResponse(
        answer, media_type="application/x-git-receive-pack-result", headers=NO_CACHE
    )


def _require_content_type(request: Request, service: str) -> None:
    expected = f"application/x-{service}-request"
    if request.headers.get("content-type", "").split(";")[0].strip() != expected:
        raise HTTPException(415, f"expected Content-Type {expected}")


async def read_body(
    request: Request, settings: Settings, limit: int, hard_limit: int
) -> tuple[IO[bytes], int]:
    """The body, un-gzipped, in a temporary file (its first ``limit`` bytes) and its full size.

    Past ``limit`` the rest is counted but not kept; past ``hard_limit`` the
    request is refused with 413.
    """
    inflate = _decoder(request.headers.get("content-encoding", ""))
    body = tempfile.TemporaryFile(dir=settings.subdir("tmp"))  # noqa: SIM115  (the caller closes it)
    size = 0
    try:
        async for chunk in request.stream():
            for data in inflate(chunk):
                if size + len(data) <= limit:
                    body.write(data)
                size += len(data)
                if size > hard_limit:
                    raise HTTPException(413, f"request body over {hard_limit >> 20} MB")
    except BaseException:
        body.close()
        raise
    body.seek(0)
    return body, size


def _decoder(encoding: str) -> Inflate:
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return _identity
    if encoding in ("gzip", "x-gzip"):  # git gzips large fetch requests
        return _gunzip()
    raise HTTPException(415, f"unsupported Content-Encoding {encoding!r}")


def _identity(chunk: bytes) -> Iterator[bytes]:
    yield chunk


def _gunzip() -> Inflate:
    decoder = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)

    def inflate(chunk: bytes) -> Iterator[bytes]:
        # Bounded pieces: a small gzip bomb never becomes a large buffer in memory.
        try:
            data = decoder.decompress(chunk, _CHUNK)
            while data:
                yield data
                data = decoder.decompress(decoder.unconsumed_tail, _CHUNK)
        except zlib.error as exc:
            raise HTTPException(400, f"bad gzip body: {exc}") from None

    return inflate
