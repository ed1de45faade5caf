"""Webhooks from git hosts: a push to an invitation's external repository queues a grading.

The invitation is the one whose ``external_repo`` is the payload's repository
URL, and the request must be signed with that invitation's webhook secret, as
each host signs: GitHub ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>``,
Gitea ``X-Gitea-Signature: <HMAC-SHA256 of the body>``, GitLab
``X-Gitlab-Token: <the secret itself>``. Nothing is recorded or queued before
the signature checks out. Only a push that moves the repository's default
branch to a commit is graded; other events are acknowledged and ignored.
Such pushes count against the candidate's pushes per hour, as hosted ones do
(429 past it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy.orm import Session
from starlette.datastructures import Headers

from api.deps import SessionDep, SettingsDep
from api.schemas import WebhookResult, WebhookStatus
from grader.hosting import pushes, repositories
from grader.store import hosted
from grader.store.models import InvitationRow

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])
MAX_BODY = 5 << 20  # GitHub caps payloads at 25 MB; a push of one branch is far smaller
MAX_COMMITS = 1000
COMMIT_ID = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
URL = re.compile(r"^https?://[^\s\x00-\x1f]{1,2000}$")  # looked up only when it could be one


def _hmac_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _github_signed(headers: Headers, body: bytes, secret: str) -> bool:
    given = headers.get("x-hub-signature-256", "")
    return hmac.compare_digest(given.encode(), f"sha256={_hmac_hex(secret, body)}".encode())


def _gitea_signed(headers: Headers, body: bytes, secret: str) -> bool:
    given = headers.get("x-gitea-signature", "")
    return hmac.compare_digest(given.encode(), _hmac_hex(secret, body).encode())


def _gitlab_signed(headers: Headers, _body: bytes, secret: str) -> bool:
    # GitLab does not sign: it sends the secret itself, compared in constant time.
    return hmac.compare_digest(headers.get("x-gitlab-token", "").encode(), secret.encode())


@dataclass(frozen=True)
class Host:
    """How one git host names its events, signs them and describes the repository."""

    event_header: str
    push_event: str
    signed: Callable[[Headers, bytes, str], bool]
    repository_key: str  # the payload object that describes the repository
    url_keys: tuple[str, ...]  # its fields that hold https URLs of the repository


HOSTS = {
    "github": Host(
        "x-github-event", "push", _github_signed, "repository", ("clone_url", "html_url")
    ),
    "gitea": Host("x-gitea-event", "push", _gitea_signed, "repository", ("clone_url", "html_url")),
    "gitlab": Host(
        "x-gitlab-event",
        "Push Hook",
        _gitlab_signed,
        "project",
        ("git_http_url", "web_url", "http_url", "homepage"),
    ),
}


@router.post("/{host}", status_code=202, response_model=WebhookResult)
async def receive(
    host: Literal["github", "gitlab", "gitea"],
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
) -> WebhookResult:
    """A webhook delivery: 202 when a grading was queued (or the push stored and held, past
    the challenge's gradings limit), 200 when the event is ignored."""
    spec = HOSTS[host]
    body = await _read_body(request)
    payload = _payload(body, request.headers.get("content-type", ""))
    invitation = _invitation(session, spec, payload)
    if not invitation.webhook_secret or not spec.signed(
        request.headers, body, invitation.webhook_secret
    ):
        raise HTTPException(401, "the webhook signature does not match this repository's secret")
    ignored = _ignored(spec, request.headers.get(spec.event_header, ""), payload)
    if ignored is not None:
        response.status_code = 200
        return WebhookResult(status=WebhookStatus.IGNORED, note=ignored)
    limited = pushes.push_limit_reason(settings, invitation.id)
    if limited is not None:
        raise HTTPException(429, limited)
    push = _push(host, payload)
    submission, held = pushes.queue_external_push(settings, invitation.id, push)
    if held is not None:
        return WebhookResult(status=WebhookStatus.HELD, submission=submission, note=held)
    return WebhookResult(
        status=WebhookStatus.QUEUED, submission=submission, note=f"grading {push.after}"
    )


async def _read_body(request: Request) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise HTTPException(413, f"payload over {MAX_BODY >> 20} MB")
    return bytes(body)


def _payload(body: bytes, content_type: str) -> dict[str, Any]:
    """The JSON payload; GitHub may also send it form-encoded, as ``payload=<json>``."""
    try:
        if content_type.startswith("application/x-www-form-urlencoded"):
            body = parse_qs(body.decode(), strict_parsing=True)["payload"][0].encode()
        payload = json.loads(body)
    except (ValueError, KeyError, UnicodeDecodeError):
        raise HTTPException(400, "the body is not a JSON webhook payload") from None
    if not isinstance(payload, dict):
        raise HTTPException(400, "the payload is not a JSON object")
    return payload


def _invitation(session: Session, spec: Host, payload: dict[str, Any]) -> InvitationRow:
    """The invitation whose external repository the payload describes, or 404."""
    described = payload.get(spec.repository_key)
    urls = [described.get(key) for key in spec.url_keys] if isinstance(described, dict) else []
    for url in urls:
        if not isinstance(url, str) or not URL.match(url):
            continue
        base = url.rstrip("/").removesuffix(".git")
        for candidate in dict.fromkeys((url, base, f"{base}.git", f"{base}/")):
            found = hosted.invitation_for_external_repo(session, candidate)
            if found is not None:
                return found
    raise HTTPException(404, "no invitation has this repository as its external repository")


def _ignored(spec: Host, event: str, payload: dict[str, Any]) -> str | None:
    """Why a signed delivery queues nothing, or None when it is a push to grade."""
    if event != spec.push_event:
        return f"event {event or '(none)'!r} is not a push"
    after, ref = payload.get("after"), payload.get("ref")
    if not isinstance(after, str) or not isinstance(ref, str):
        raise HTTPException(400, "a push payload needs 'ref' and 'after'")
    if set(after) == {"0"}:
        return f"{ref} was deleted"
    if not COMMIT_ID.match(after):
        raise HTTPException(400, f"'after' is not a commit id: {after[:80]!r}")
    branch = _default_branch(spec, payload)
    if ref != f"refs/heads/{branch}":
        return f"{ref} is not the default branch ({branch})"
    return None


def _default_branch(spec: Host, payload: dict[str, Any]) -> str:
    described = payload.get(spec.repository_key)
    branch = described.get("default_branch") if isinstance(described, dict) else None
    return branch if isinstance(branch, str) and branch else repositories.DEFAULT_BRANCH


def _push(host: str, payload: dict[str, Any]) -> pushes.ExternalPush:
    commits = payload.get("commits")
    ids = [c.get("id") for c in commits if isinstance(c, dict)] if isinstance(commits, list) else []
    before = payload.get("before")
    return pushes.ExternalPush(
        host=host,
        ref=payload["ref"],
        before=before if isinstance(before, str) and _is_commit(before) else None,
        after=payload["after"],
        commits=tuple(i for i in ids if isinstance(i, str) and _is_commit(i))[:MAX_COMMITS],
        forced=payload.get("forced") is True,
    )


def _is_commit(value: str) -> bool:
    return bool(COMMIT_ID.match(value)) and set(value) != {"0"}
