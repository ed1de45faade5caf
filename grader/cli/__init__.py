"""The ``grader`` command: the root app, assembled from one module per group of commands.

- grading.py: ``grade``, ``demo`` (grading now, in this process), ``rescore``;
- host.py: ``images``, ``reap``, ``doctor`` (the machine that grades);
- server.py: ``serve``, ``worker``, ``token create`` (the server and its queue);
- invitations.py: ``invite``, ``invitations list|show|extend|revoke|resend|graded``;
- challenge.py: ``challenge validate|new|add`` (authoring);
- candidates.py: ``candidate erase``, ``retention run`` (a candidate's data);
- regrade.py: ``regrade`` (a challenge's submissions graded again, published or discarded);
- similar.py: ``similar`` (a reviewer's view of similar submissions).

The root imports a group's module only when one of its commands runs (``--help``
imports them all, to list them): a fresh ``grader grade`` pays for the grading's
modules alone, not for the store, the API, the queue or the similarity index
the other groups import (grader/cli/lazy.py). COMMANDS names each command's
module, in the order ``--help`` lists them.

Errors become exit codes in one place, base.py, which every group imports.
"""

from __future__ import annotations

import typer

from grader.cli.lazy import LazyGroup, Registered

# name -> (module under grader.cli, its Typer, whether that Typer *is* the command
# (a named group) or holds it among others (its commands join the root's)).
COMMANDS: dict[str, Registered] = {
    "grade": Registered("grading", "app"),
    "demo": Registered("grading", "app"),
    "rescore": Registered("grading", "app"),
    "images": Registered("host", "app"),
    "reap": Registered("host", "app"),
    "doctor": Registered("host", "app"),
    "serve": Registered("server", "app"),
    "worker": Registered("server", "app"),
    "challenge": Registered("challenge", "app", group=True),
    "token": Registered("server", "token_app", group=True),
    "candidate": Registered("candidates", "candidate_app", group=True),
    "retention": Registered("candidates", "retention_app", group=True),
    "regrade": Registered("regrade", "app", group=True),
    "invite": Registered("invitations", "app"),
    "invitations": Registered("invitations", "group", group=True),
    "similar": Registered("similar", "app"),
}

app = typer.Typer(
    cls=LazyGroup.of(COMMANDS),
    help="A sandboxed grader for hands-on coding challenges.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


# Typer makes a root without commands of its own a group only if it has a callback.
@app.callback()
def root() -> None:
    pass


__all__ = ["COMMANDS", "app"]
