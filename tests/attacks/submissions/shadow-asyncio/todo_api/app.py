"""Probe (red team, lazy asyncio): create_app returns a raw ASGI application (no fastapi) so
that the candidate process's AsgiRunner imports asyncio itself; every response is a 500 whose
body carries what the probe saw (PROBES ...)."""

from __future__ import annotations

import json
import os
import sys


def _seen() -> dict[str, object]:
    try:
        with open("/tmp/.asyncio-shadow-log") as log:
            lines = log.read().splitlines()
    except OSError:
        lines = []
    host = sys.modules.get("candidate_host") or sys.modules.get("__main__")
    runner_asyncio = getattr(host, "asyncio", None)
    return {
        "log": lines,
        "uid": os.getuid(),
        "asyncio_file": getattr(sys.modules.get("asyncio"), "__file__", None),
        "runner_asyncio_file": getattr(runner_asyncio, "__file__", None),
        "fastapi_loaded": "fastapi" in sys.modules,
    }


def create_app(db_path: object = None):  # noqa: ANN201
    async def app(scope, receive, send):  # noqa: ANN001, ANN202
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = ("PROBES " + json.dumps(_seen())).encode()
        await send({"type": "http.response.start", "status": 500, "headers": []})
        await send({"type": "http.response.body", "body": body})

    return app
