"""Bounds on what a request may send: body sizes per route, and errors that never echo much.

A body past its route's bound is refused with 413 before the route reads it
(by its Content-Length) or as soon as the bytes received pass it (chunked). Git's
own routes have their own, larger limits (``max_git_request_mb``, the hosted
repository's size) and are left to them. A 422 lists what was wrong with each
field, with the offending input clipped: a 20 MB field never comes back whole.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

KIB = 1024
DEFAULT_BODY_BYTES = 256 * KIB  # submissions, invitations, sign-in: small JSON or forms
WEBHOOK_BODY_BYTES = 25 * KIB * KIB  # GitHub's own cap on a webhook delivery
ECHO_CHARS = 200  # of an invalid input, in a 422

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def body_limit(path: str) -> int | None:
    """The most bytes a request to ``path`` may send; None: the route bounds it itself."""
    if path.startswith("/git/"):
        return None
    if path.startswith("/api/webhooks/"):
        return WEBHOOK_BODY_BYTES
    return DEFAULT_BODY_BYTES


class BodyLimit:
    """ASGI middleware: 413 for a body past its route's bound."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = body_limit(scope.get("path", "")) if scope["type"] == "http" else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        received = 0
        over = False

        async def counted() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request" and not over:
                received += len(message.get("body", b""))
                if received > limit:
                    # The route gets an empty, final body (frameworks turn an exception
                    # raised here into their own 400); its answer is replaced below.
                    over = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        replaced = False

        async def answer(message: Message) -> None:
            nonlocal replaced
            if not over:
                await send(message)
            elif not replaced:
                replaced = True
                await _too_large(send, limit)

        await self.app(scope, counted, answer)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"detail": f"request body too large: at most {limit} bytes"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def clip(value: Any) -> Any:
    """An input as a 422 shows it: short values as they are, long ones cut with a note."""
    text = value if isinstance(value, str) else json.dumps(jsonable_encoder(value), default=str)
    if len(text) <= ECHO_CHARS:
        return value
    return f"{text[:ECHO_CHARS]}... [{len(text) - ECHO_CHARS} more characters not shown]"


def install(app: FastAPI) -> None:
    app.add_middleware(BodyLimit)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for error in exc.errors():
            shown = {k: v for k, v in error.items() if k != "input"}
            if "input" in error:
                shown["input"] = clip(error["input"])
            errors.append(shown)
        return JSONResponse({"detail": jsonable_encoder(errors)}, 422)
