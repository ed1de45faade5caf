"""The one place where the grader's errors become HTTP responses.

ChallengeInvalid, BadInput (RepositoryError) -> 422 / 400 with {"detail": ...}
InfrastructureError                          -> 503, the client may retry
PlainRefusal (the git routes)                -> its status, the reason as text/plain
anything unexpected                          -> 500 with a generic message (and a log line)
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from grader.errors import BadInput, ChallengeInvalid, InfrastructureError

log = logging.getLogger("grader.api")


class PlainRefusal(HTTPException):
    """A refusal whose body is the reason as text/plain: git prints it as ``remote:`` lines."""


def install(app: FastAPI) -> None:
    @app.exception_handler(PlainRefusal)
    async def plain_refusal(_request: Request, exc: PlainRefusal) -> PlainTextResponse:
        return PlainTextResponse(f"{exc.detail}\n", exc.status_code, headers=exc.headers)

    @app.exception_handler(ChallengeInvalid)
    async def challenge_invalid(_request: Request, exc: ChallengeInvalid) -> JSONResponse:
        return JSONResponse({"detail": "invalid challenge", "problems": exc.problems}, 422)

    @app.exception_handler(BadInput)
    async def bad_input(_request: Request, exc: BadInput) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 400)

    @app.exception_handler(InfrastructureError)
    async def infrastructure(_request: Request, exc: InfrastructureError) -> JSONResponse:
        log.warning("infrastructure error: %s", exc)
        return JSONResponse(
            {"detail": "service temporarily unavailable", "reason": str(exc)},
            503,
            headers={"Retry-After": "30"},
        )
