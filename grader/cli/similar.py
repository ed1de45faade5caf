"""``grader similar``: a reviewer's view of similar submissions, from the server's database.

``grader similar SUBMISSION_ID`` prints the submission's closest others (the
challenge's solution and starter too), each with its similarity, both shares
and the matched line ranges; ``grader similar --challenge ID [--above SHARE]``
prints the challenge's pairs at or above its threshold (or SHARE) and their
clusters, most similar first. The figures are the API's (grader/closest.py and
grader/clusters.py compute both), as percentages of its shares. Submissions
are named by ``label``, the one place that decides how a reviewer sees another
candidate. Evidence for a reviewer, never a score.
"""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.orm import Session

from grader.cli.base import database, handles_errors
from grader.config import get_settings
from grader.errors import BadInput

app = typer.Typer()
MAX_FRAGMENTS = 8  # line ranges printed a pair; the side-by-side page shows them all


def label(submission_id: str, email: str | None, repo: str | None) -> str:
    """How a reviewer sees a submission here: its id and its candidate (or repository)."""
    return f"{submission_id} ({email or repo or 'unknown'})"


def percent(share: float) -> str:
    """The API's share (rounded to 4 places) as a percentage."""
    return f"{round(share, 4) * 100:.2f} %"


@app.command()
@handles_errors
def similar(
    submission_id: Annotated[str | None, typer.Argument(help="A submission's id")] = None,
    challenge: Annotated[
        str | None, typer.Option(help="List a challenge's similar pairs and clusters")
    ] = None,
    above: Annotated[
        float | None,
        typer.Option(help="With --challenge: from this share (default: the challenge's)"),
    ] = None,
) -> None:
    """Print the submissions most similar to one, or a challenge's similar pairs and clusters."""
    from grader.store.db import session_scope

    if (submission_id is None) == (challenge is None):
        raise BadInput("give either a SUBMISSION_ID or --challenge ID")
    if above is not None and not (0 < above <= 1 and challenge):
        raise BadInput("--above is a share in (0, 1], with --challenge")
    with session_scope(database(get_settings())) as session:
        lines = (
            _submission(session, submission_id)
            if submission_id
            else _challenge(session, str(challenge), above)
        )
    print("\n".join(lines))


def _submission(session: Session, submission_id: str) -> list[str]:
    from grader.closest import similar as closest
    from grader.store import repo

    row = repo.get_submission(session, submission_id)
    if row is None:
        raise BadInput(f"no submission {submission_id!r}")
    found = closest(session, row, str)  # named below, by ``label``
    lines = [
        f"{label(row.id, row.candidate_email, row.repo)}: {row.challenge_id}, "
        f"flagged from {percent(found.threshold)}"
    ]
    if not found.computed:
        lines.append("not compared (only graded submissions are)")
    pairs = [*found.submissions, *found.references, *([found.starter] if found.starter else [])]
    if not pairs:
        lines.append("no similar submission")
    for pair in pairs:
        if pair.kind == "submission":
            other = repo.get_submission(session, pair.other)
            name = label(pair.other, other.candidate_email if other else None, None)
        else:
            name = f"the challenge's {pair.other}"
        flag = "flagged" if pair.flagged else "       "
        lines.append(
            f"{percent(pair.similarity):>8}  {flag}  {name}: {percent(pair.share_this)} of this "
            f"found in it, {percent(pair.share_other)} of it in this, {pair.shared} fingerprints"
        )
        lines += [
            f"            {f.this.path}:{f.this.start_line}-{f.this.end_line}"
            f"  ~  {f.other.path}:{f.other.start_line}-{f.other.end_line}"
            for f in pair.fragments[:MAX_FRAGMENTS]
        ]
        if len(pair.fragments) > MAX_FRAGMENTS:
            lines.append(f"            and {len(pair.fragments) - MAX_FRAGMENTS} more fragments")
    return lines


def _challenge(session: Session, challenge_id: str, above: float | None) -> list[str]:
    from grader.clusters import overview
    from grader.store import repo

    if repo.get_challenge(session, challenge_id) is None:
        raise BadInput(f"unknown challenge {challenge_id!r}")
    found = overview(session, challenge_id, above)
    rows = {sid: repo.get_submission(session, sid) for pair in found.pairs for sid in pair.ids}

    def name(sid: str) -> str:
        row = rows.get(sid)
        return label(sid, row.candidate_email if row else None, row.repo if row else None)

    count = len(found.clusters)
    lines = [
        f"{challenge_id}: {len(found.pairs)} pair(s) at or above {percent(found.threshold)}, "
        f"{count} cluster{'s' if count != 1 else ''}"
    ]
    if found.pairs:
        lines.append("pairs (similarity; share of the first in the second, the reverse):")
    for pair in found.pairs:
        lines.append(
            f"{percent(pair.similarity):>8}  {name(pair.later)} ~ {name(pair.earlier)}"
            f"  ({percent(pair.share_later)}, {percent(pair.share_earlier)}; "
            f"{pair.shared} fingerprints)"
        )
    if found.clusters:
        lines.append("clusters (closest pair first):")
    for number, cluster in enumerate(found.clusters, 1):
        lines.append(
            f"  {number}. {cluster.size} submissions, closest pair {percent(cluster.max_share)}:"
        )
        lines += [f"       {name(sid)}" for sid in cluster.ids]
    return lines
