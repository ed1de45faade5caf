"""The side-by-side view of a similar pair: each shared fragment's lines on both sides.

The pairs themselves come from grader/closest.py (a submission's closest
others, from the stored comparisons). This reads the files from the
repositories on this host (a hosted repository, or one under the data folder's
repos/) at the graded commits, and the challenge's solution and starter from
its version's folder; when a side cannot be read, its line ranges are shown
alone, with a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from grader import git
from grader.closest import PairView, SpanView
from grader.config import Settings
from grader.errors import GraderError
from grader.hosting.repositories import local_repository
from grader.store import repo
from grader.store.models import SubmissionRow

FOLDERS = ("solution", "starter")  # the challenge's own trees a submission is compared with
MAX_LINES = 400  # a fragment's lines shown at most, a side


@dataclass(frozen=True)
class Side:
    span: SpanView
    lines: list[tuple[int, str]] | None  # (number, text); None: the file could not be read


@dataclass(frozen=True)
class FragmentSides:
    this: Side
    other: Side
    fingerprints: int


def side_by_side(
    session: Session, settings: Settings, row: SubmissionRow, pair: PairView
) -> tuple[list[FragmentSides], list[str]]:
    """Each fragment's lines on both sides, and notes on what could not be read."""
    notes: list[str] = []
    mine = _files(settings, row, [f.this.path for f in pair.fragments], notes, "this submission")
    if pair.kind == "submission":
        other_row = repo.get_submission(session, pair.other)
        paths = [f.other.path for f in pair.fragments]
        theirs = _files(settings, other_row, paths, notes, pair.label) if other_row else None
    else:
        theirs = _folder_files(session, row, pair.other, [f.other.path for f in pair.fragments])
        if theirs is None:
            notes.append(f"The challenge's {pair.other} could not be read.")
    out = [
        FragmentSides(_side(f.this, mine), _side(f.other, theirs), f.fingerprints)
        for f in pair.fragments
    ]
    return out, notes


def _side(span: SpanView, files: dict[str, list[str]] | None) -> Side:
    text = None if files is None else files.get(span.path)
    if text is None:
        return Side(span, None)
    last = min(span.end_line, span.start_line + MAX_LINES - 1, len(text))
    return Side(span, [(n, text[n - 1]) for n in range(span.start_line, last + 1)])


def repository_on_host(settings: Settings, url: str) -> Path | None:
    """The bare repository on this host behind a submission's URL, or None."""
    hosted = local_repository(settings, url)
    if hosted is not None:
        return hosted
    path = Path(url.removeprefix("file://"))
    roots = (settings.data_dir / "repos").resolve()
    if path.is_absolute() and path.resolve().is_relative_to(roots) and path.is_dir():
        return path
    return None


def _files(
    settings: Settings,
    row: SubmissionRow | None,
    paths: list[str],
    notes: list[str],
    whose: str,
) -> dict[str, list[str]] | None:
    """The wanted files' lines at the graded commit, or None (and a note) if unreadable."""
    where = repository_on_host(settings, row.repo) if row is not None else None
    if row is None or where is None or not row.commit:
        notes.append(f"The files of {whose} are not on this server: line ranges only.")
        return None
    try:
        wanted = [e for e in git.tree_entries(where, row.commit) if e.path in set(paths)]
        blobs = git.read_blobs(where, [e.sha for e in wanted])
        return {
            e.path: data.decode("utf-8", "replace").splitlines()
            for e, data in zip(wanted, blobs, strict=True)
        }
    except (GraderError, OSError, ValueError):
        notes.append(f"The files of {whose} could not be read at {row.commit[:10]}.")
        return None


def _folder_files(
    session: Session, row: SubmissionRow, name: str, paths: list[str]
) -> dict[str, list[str]] | None:
    """The challenge version's solution or starter files, or None."""
    version = repo.challenge_version(session, row.challenge_id, row.challenge_version)
    if version is None or name not in FOLDERS:
        return None
    folder = Path(version.root, name).resolve()
    files = {}
    for path in set(paths):
        target = (folder / path).resolve()
        if target.is_relative_to(folder) and target.is_file():
            files[path] = target.read_text("utf-8", "replace").splitlines()
    return files
