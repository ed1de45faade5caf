"""Builds the app; nothing else. Routes live in api/routes, one router per resource."""

from __future__ import annotations

from fastapi import FastAPI

from api import errors
from api.routes import challenges, exports, git, invitations, pages, submissions, webhooks
from grader import __version__
from grader.config import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(
        title="grader",
        version=__version__,
        description="A sandboxed grader for hands-on coding challenges.",
    )
    app.state.settings = settings or get_settings()
    errors.install(app)
    for module in (submissions, challenges, exports, pages, invitations, git, webhooks):
        app.include_router(module.router)
    return app
