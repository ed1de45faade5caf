"""``grader serve``, ``worker`` and ``token create``: the server and its queue."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from grader.cli.base import Progress, database, handles_errors, sandbox_services
from grader.config import get_settings
from grader.errors import BadInput

app = typer.Typer()
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)


@token_app.command("create")
@handles_errors
def token_create(
    role: Annotated[str, typer.Option(help="admin, reviewer, candidate or worker")],
    name: Annotated[str, typer.Option(help="Who or what the token is for")] = "",
) -> None:
    """Create an API token and print it alone on stdout (only its hash is stored)."""
    from grader.store import repo
    from grader.store.db import session_scope

    if role not in repo.ROLES:
        raise BadInput(f"unknown role {role!r}: one of {', '.join(repo.ROLES)}")
    url = database(get_settings())
    with session_scope(url) as session:
        secret, row = repo.create_token(session, role, name)
        repo.audit(session, "cli", "token.create", str(row.id), {"role": role, "name": name})
    print(secret)


@app.command()
@handles_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
) -> None:
    """Run the HTTP API, the reviewer pages and the hosted git repositories."""
    import uvicorn

    from api.main import create_app
    from grader.catalogue import sync_catalogue
    from grader.queue import announce_public_url

    settings = get_settings()
    if "public_url" not in settings.model_fields_set:
        # Clone URLs and links must reach this server, on the port it really listens on.
        settings = settings.model_copy(update={"public_url": listening_url(host, port)})
    database(settings)
    registered = sync_catalogue(settings, sandbox_services(settings, Progress()))
    print(f"catalogue: {', '.join(registered) or 'empty'}", file=sys.stderr)
    print(
        f"public URL: {settings.public_url} (in clone URLs and links; GRADER_PUBLIC_URL sets it)",
        file=sys.stderr,
    )
    if host in ("0.0.0.0", "::") and "public_url" not in get_settings().model_fields_set:
        print(
            "warning: listening on every address; set GRADER_PUBLIC_URL to the address "
            "candidates use",
            file=sys.stderr,
        )
    announce_public_url(settings)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


def listening_url(host: str, port: int) -> str:
    """The URL of a server listening on ``host``:``port``, as a client on this host writes it."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


@app.command()
@handles_errors
def worker(
    burst: Annotated[bool, typer.Option(help="Exit when the queue is empty")] = False,
) -> None:
    """Run a queue worker: reaps stale sandboxes, recovers lost gradings, then works."""
    from grader.remote import Remote
    from grader.worker import run_worker

    settings = get_settings()
    Remote.of(settings)  # a server URL without a worker token stops here, not at each job
    database(settings)
    run_worker(settings, burst=burst)
