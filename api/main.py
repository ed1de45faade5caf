"""Builds the app; nothing else. Routes live in api/routes, one router per resource.

The interactive API documentation (/docs) is served with Swagger UI's files from
the fastapi-offline package (Swagger UI 5, which reads OpenAPI 3.1), never from a
CDN: a grader often runs where the browser reaching it has no internet.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api import errors, limits
from api.routes import (
    bundles,
    candidate,
    candidates,
    challenges,
    code,
    decisions,
    exports,
    git,
    health,
    invitations,
    metrics,
    pages,
    regrades,
    review,
    rounds,
    similarity,
    submissions,
    webhooks,
)
from grader import __version__
from grader.config import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(
        title="grader",
        version=__version__,
        description="A sandboxed grader for hands-on coding challenges.",
        docs_url=None,  # served below, with local assets
        redoc_url=None,
    )
    app.state.settings = settings or get_settings()
    errors.install(app)
    limits.install(app)
    routers = (submissions, challenges, exports, pages, invitations, git, webhooks, health, metrics)
    for module in (*routers, bundles):
        app.include_router(module.router)
    app.include_router(candidates.router)
    app.include_router(decisions.router)
    app.include_router(rounds.router)
    app.include_router(review.router)
    app.include_router(regrades.router)
    app.include_router(regrades.pages)
    app.include_router(candidate.router)
    app.include_router(candidate.api_router)
    app.include_router(code.router)  # reading the work: code, diffs, attempts, rewrites
    app.include_router(similarity.router)  # a challenge's similar pairs and clusters
    _docs(app)
    return app


def _docs(app: FastAPI) -> None:
    app.mount(DOCS_ASSETS, StaticFiles(directory=SWAGGER_UI), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
        )


DOCS_ASSETS = "/docs-assets"
SWAGGER_UI = Path(fastapi_offline.__file__).parent / "static"
