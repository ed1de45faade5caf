"""The ``grader`` command: the root app, assembled from one module per group of commands.

- grading.py: ``grade``, ``demo`` (grading now, in this process), ``rescore``;
- host.py: ``images``, ``reap``, ``doctor`` (the machine that grades);
- server.py: ``serve``, ``worker``, ``token create`` (the server and its queue);
- invitations.py: ``invite``, ``invitations list|show|extend|revoke|resend|graded``;
- challenge.py: ``challenge validate|new|add`` (authoring);
- candidates.py: ``candidate erase``, ``retention run`` (a candidate's data);
- regrade.py: ``regrade`` (a challenge's submissions graded again, published or discarded);
- similar.py: ``similar`` (a reviewer's view of similar submissions).

Errors become exit codes in one place, base.py, which every group imports.
"""

from __future__ import annotations

import typer

from grader.cli import candidates, challenge, grading, host, invitations, regrade, server, similar

app = typer.Typer(
    help="A sandboxed grader for hands-on coding challenges.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Without a name, a group's commands join the root's, in this order in --help.
app.add_typer(grading.app)
app.add_typer(host.app)
app.add_typer(server.app)
app.add_typer(challenge.app, name="challenge")
app.add_typer(server.token_app, name="token")
app.add_typer(candidates.candidate_app, name="candidate")
app.add_typer(candidates.retention_app, name="retention")
app.add_typer(regrade.app, name="regrade")
app.add_typer(invitations.app)
app.add_typer(invitations.group, name="invitations")
app.add_typer(similar.app)

__all__ = ["app"]
