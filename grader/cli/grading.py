"""``grader grade`` and ``grader demo``: grading now, in this process, with reports on stdout."""

from __future__ import annotations

import signal
import sys
from typing import Annotated

import typer

from grader.cli.base import Progress, database, handles_errors, sandbox_services
from grader.config import get_settings

app = typer.Typer()


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
    from grader.prepare import locate_challenge, prepare, suite_job

    settings = get_settings()
    progress = Progress(None if progress_lines is None else not progress_lines)
    policy = FetchPolicy(allow_local=True)
    found = locate_challenge(challenge, settings)
    locate(repo, policy)  # refuse a bad URL before any slow preparation
    builder, sandbox = sandbox_services(settings, progress)
    # A SIGTERM (`timeout`, a CI job cancelled) unwinds like Ctrl-C, through the finally below.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(128 + signal.SIGTERM))
    try:  # from here on, a sandbox may be starting: removed whatever happens
        progress(f"preparing challenge {found.id}")
        prepared = prepare(found, builder, sandbox, settings)
        # Its start (~0.3 s) overlaps the fetch and the working tree's build.
        sandbox.prestart(
            suite_job(
                prepared.challenge, prepared.image, b"", prepared.challenge.hidden_dir, "grading"
            )
        )
        # Imported while it starts: ~0.1 s of a fresh process's imports, off the critical path.
        from grader.pipeline import grade as run_grade
        from grader.report import render_text

        grading = run_grade(
            prepared,
            repo,
            ref,
            settings=settings,
            sandbox=sandbox,
            policy=policy,
            progress=progress,
            fingerprint=False,  # nothing here stores them
        )
    finally:
        sandbox.close()
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
    builder, sandbox = sandbox_services(settings, progress, warm=True)
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

    url = database(get_settings())
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
