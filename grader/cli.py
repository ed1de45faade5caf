"""The ``grader`` command. Errors become exit codes and one-line messages here, and only here:

BadInput (incl. ChallengeInvalid, RepositoryError) -> exit 2
InfrastructureError, any other GraderError         -> exit 1
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from grader.config import Settings, get_settings
from grader.errors import BadInput, ChallengeInvalid, GraderError
from grader.services import ServiceKind

app = typer.Typer(
    help="A sandboxed grader for hands-on coding challenges.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
challenge_app = typer.Typer(help="Author and register challenges.", no_args_is_help=True)
app.add_typer(challenge_app, name="challenge")

F = TypeVar("F", bound=Callable[..., Any])


def fail(code: int, message: str) -> typer.Exit:
    print(f"grader: {message}", file=sys.stderr)
    return typer.Exit(code)


def handles_errors(func: F) -> F:
    """Turn the grader's errors into the contract's exit codes, with one line on stderr."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BadInput as exc:
            raise fail(2, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
        except GraderError as exc:
            raise fail(1, " ".join(str(exc).split())[:500]) from None

    return wrapper  # type: ignore[return-value]


class Progress:
    """Progress lines on stderr, so stdout carries only the report.

    Like git and pip: shown when stderr is a terminal, unless ``--progress`` or
    ``--quiet`` says otherwise, so a script reading stderr gets the error alone.
    """

    def __init__(self, quiet: bool | None = None) -> None:
        self.quiet = not sys.stderr.isatty() if quiet is None else quiet
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self.quiet:
            elapsed = time.perf_counter() - self.started
            print(f"[{elapsed:6.2f}s] {message}", file=sys.stderr, flush=True)


def _services(
    settings: Settings, progress: Callable[[str], None], warm: bool = False
) -> tuple[Any, Any]:
    from grader.engine import Engine
    from grader.images import ImageBuilder
    from grader.sandbox import DockerSandbox

    engine = Engine(settings.docker_timeout_s)
    return ImageBuilder(settings, engine, log=progress), DockerSandbox(settings, engine, warm=warm)


@app.command()
@handles_errors
def grade(
    challenge: Annotated[str, typer.Option(help="Challenge folder, catalogue id or git URL")],
    repo: Annotated[str, typer.Option(help="Submission repository: local path or URL")],
    ref: Annotated[str | None, typer.Option(help="Branch, tag or commit (default: HEAD)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report JSON alone")] = False,
    progress_lines: Annotated[
        bool | None,
        typer.Option(
            "--progress/--quiet",
            help="Progress lines on stderr (default: only when stderr is a terminal)",
        ),
    ] = None,
) -> None:
    """Grade one submission now, in this process, and print its report."""
    from grader.fetch import FetchPolicy, locate
    from grader.pipeline import grade as run_grade
    from grader.prepare import locate_challenge, prepare
    from grader.report import render_text

    settings = get_settings()
    progress = Progress(None if progress_lines is None else not progress_lines)
    policy = FetchPolicy(allow_local=True)
    found = locate_challenge(challenge, settings)
    locate(repo, policy)  # refuse a bad URL before any slow preparation
    builder, sandbox = _services(settings, progress)
    progress(f"preparing challenge {found.id}")
    prepared = prepare(found, builder, sandbox, settings)
    grading = run_grade(
        prepared,
        repo,
        ref,
        settings=settings,
        sandbox=sandbox,
        policy=policy,
        progress=progress,
    )
    progress(f"done: {grading.report.status}, overall {grading.report.overall}")
    print(grading.report.to_json() if as_json else render_text(grading.report))


@app.command()
@handles_errors
def demo(
    challenge: Annotated[str, typer.Option(help="Catalogue challenge to demo")] = "word-frequency",
) -> None:
    """Build three sample submissions as git repositories, grade each, print the reports."""
    from grader.demo import build_submissions, summary_table
    from grader.fetch import FetchPolicy
    from grader.pipeline import grade as run_grade
    from grader.prepare import locate_challenge, prepare
    from grader.report import render_text

    settings = get_settings()
    progress = Progress()
    found = locate_challenge(challenge, settings)
    repos = build_submissions(found, settings.subdir("demo"))
    builder, sandbox = _services(settings, progress, warm=True)
    prepared = prepare(found, builder, sandbox, settings)
    rows = []
    try:
        for name, repo in repos.items():
            report = run_grade(
                prepared,
                str(repo),
                None,
                settings=settings,
                sandbox=sandbox,
                policy=FetchPolicy(allow_local=True),
                progress=progress,
            ).report
            print(f"\n===== {name} submission =====\n{render_text(report)}", flush=True)
            rows.append(
                (
                    name,
                    report.status,
                    report.overall,
                    {skill: s.score for skill, s in report.skills.items()},
                )
            )
    finally:
        sandbox.close()
    print("\n" + summary_table(rows))


@app.command()
@handles_errors
def images(
    languages: Annotated[list[str] | None, typer.Argument(help="Languages (default: all)")] = None,
) -> None:
    """Build the base and sandbox images that are missing or out of date."""
    from grader.images import language_dirs

    settings = get_settings()
    builder, _sandbox = _services(settings, lambda m: print(f"[images] {m}", flush=True))
    wanted = languages or language_dirs(settings)
    for language in wanted:
        image = builder.language_image(language)
        print(f"[images] {language}: {image.reference} ({image.image_id[:19]})")
    if not languages:  # and the sidecar services challenges may declare
        for kind in ServiceKind:
            image = builder.service_image(kind.value)
            print(f"[images] {kind.value}: {image.reference} ({image.image_id[:19]})")


@app.command()
@handles_errors
def reap(
    older_than: Annotated[float, typer.Option(help="Only sandboxes older than this (s)")] = 0.0,
) -> None:
    """Remove leftover sandbox containers (from a killed worker, say)."""
    from grader.engine import Engine

    engine = Engine(get_settings().docker_timeout_s)
    removed = engine.remove_stale(older_than)
    networks = engine.remove_stale_networks()
    print(f"removed {removed} sandbox container(s) and {networks} network(s)")


@challenge_app.command("validate")
def challenge_validate(
    path: Annotated[str, typer.Argument(help="Challenge folder or git URL")],
    runs: Annotated[int | None, typer.Option(help="How many runs against the solution")] = None,
) -> None:
    """Check a challenge: manifest, solution scores 100, starter does not, no flaky tests."""
    from grader.prepare import locate_challenge, prepare
    from grader.validate import validate

    settings = get_settings()
    if runs is not None:
        settings = settings.model_copy(update={"validate_runs": max(1, runs)})
    progress = Progress()
    try:
        found = locate_challenge(path, settings)
        builder, sandbox = _services(settings, progress)
        prepared = prepare(found, builder, sandbox, settings)
        result = validate(prepared, sandbox, settings, progress)
    except ChallengeInvalid as exc:
        _print_problems(exc.problems)
        raise typer.Exit(1) from None
    except GraderError as exc:
        raise fail(1 if not isinstance(exc, BadInput) else 2, str(exc)) from None
    for test_id, seconds in sorted(result.durations.items()):
        print(f"  {seconds:8.3f}s  {test_id}")
    print(
        f"  {result.suite_seconds:8.3f}s  total under the reference "
        f"(timeout_s = {prepared.challenge.limits.timeout_s:g})"
    )
    for warning in result.warnings:
        print(f"warning: {warning}")
    if not result.valid:
        _print_problems(result.problems)
        raise typer.Exit(1)
    print(
        f"valid: {prepared.challenge.id} ({len(prepared.test_ids)} tests, "
        f"skills: {', '.join(s.name for s in prepared.challenge.skills)}, "
        f"isolation: {prepared.challenge.isolation.value})"
    )


def _print_problems(problems: list[str]) -> None:
    for problem in problems:
        print(f"invalid: {problem}")


@challenge_app.command("new")
@handles_errors
def challenge_new(
    path: Annotated[Path, typer.Argument(help="Folder to create (its name becomes the id)")],
) -> None:
    """Scaffold a new challenge that validates as it is."""
    from grader.scaffold import scaffold

    created = scaffold(path)
    print(f"created {created}; edit it, then run: grader challenge validate {created}")


def _database(settings: Settings) -> str:
    from grader.store.db import migrate

    url = settings.effective_database_url
    migrate(url)
    return url


@challenge_app.command("add")
def challenge_add(
    path: Annotated[str, typer.Argument(help="Challenge folder or git URL")],
) -> None:
    """Validate a challenge and register it with the server's database at its current version."""
    from grader.catalogue import add

    settings = get_settings()
    progress = Progress()
    try:
        _database(settings)
        prepared = add(settings, path, _services(settings, progress), progress)
    except ChallengeInvalid as exc:
        _print_problems(exc.problems)
        raise typer.Exit(1) from None
    except BadInput as exc:
        raise fail(2, str(exc)) from None
    except GraderError as exc:
        raise fail(1, str(exc)) from None
    challenge = prepared.challenge
    print(f"added {challenge.id} at {challenge.commit or challenge.content_hash()}")


token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create")
@handles_errors
def token_create(
    role: Annotated[str, typer.Option(help="admin, reviewer or candidate")],
    name: Annotated[str, typer.Option(help="Who or what the token is for")] = "",
) -> None:
    """Create an API token and print it alone on stdout (only its hash is stored)."""
    from grader.store import repo
    from grader.store.db import session_scope

    if role not in repo.ROLES:
        raise BadInput(f"unknown role {role!r}: one of {', '.join(repo.ROLES)}")
    url = _database(get_settings())
    with session_scope(url) as session:
        secret, row = repo.create_token(session, role, name)
        repo.audit(session, "cli", "token.create", str(row.id), {"role": role, "name": name})
    print(secret)


@app.command()
@handles_errors
def invite(
    challenge: Annotated[str, typer.Option(help="Challenge id")],
    candidate: Annotated[str, typer.Option(help="Candidate's email")],
) -> None:
    """Create a hosted repository for a candidate; prints JSON with clone_url and token."""
    from grader.hosting.invitations import invite as create_invitation

    settings = get_settings()
    _database(settings)
    print(json.dumps(create_invitation(settings, challenge, candidate, actor="cli"), indent=2))


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
    _database(settings)
    registered = sync_catalogue(settings, _services(settings, Progress()))
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
def doctor() -> None:
    """Check what grading needs on this host, and say what to fix (exit 1 if anything)."""
    from grader.health import doctor as run_checks

    checks = run_checks(get_settings())
    width = max(len(check.name) for check in checks)
    for check in checks:
        print(f"{'ok' if check.ok else 'FAIL':<4}  {check.name:<{width}}  {check.detail}")
        if check.fix:
            print(f"{'':<4}  {'':<{width}}  fix: {check.fix}")
    if not all(check.ok for check in checks):
        raise typer.Exit(1)


@app.command()
@handles_errors
def worker(
    burst: Annotated[bool, typer.Option(help="Exit when the queue is empty")] = False,
) -> None:
    """Run a queue worker: reaps stale sandboxes, recovers lost gradings, then works."""
    from grader.worker import run_worker

    settings = get_settings()
    _database(settings)
    run_worker(settings, burst=burst)


@app.command()
@handles_errors
def rescore(
    submission: Annotated[str, typer.Argument(help="Submission id")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report JSON alone")] = False,
    write: Annotated[bool, typer.Option("--write", help="Store the recomputed report")] = False,
) -> None:
    """Recompute a stored submission's report from its stored artifacts, without Docker.

    Prints the report; on stderr, how it differs from the stored one (or, with --write,
    that it was stored in its place)."""
    from grader import rescore as rescoring
    from grader.report import render_text

    url = _database(get_settings())
    result = rescoring.rescore_submission(url, submission)
    print(result.report.to_json() if as_json else render_text(result.report))
    changed = result.differences()
    if write:
        rescoring.write(url, result)
        print(f"stored the recomputed report ({len(changed)} field(s) changed)", file=sys.stderr)
        return
    if not changed:
        print("the same as the stored report", file=sys.stderr)
        return
    print(f"differs from the stored report in {len(changed)} field(s):", file=sys.stderr)
    for line in changed[: rescoring.MAX_DIFFERENCES]:
        print(f"  {line}", file=sys.stderr)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    app()


__all__ = ["app", "json"]
