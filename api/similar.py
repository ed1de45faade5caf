"""What the similarity API and pages show: a submission's closest others, and a side-by-side.

Built from the stored comparisons (grader/store/similarity.py): the
submission's own (made when it was graded, against the ones graded before) and
the later ones that found it, turned around so that "this" is always the
submission asked about. Another submission is named by its candidate's
pseudonym ("Candidate 7F3A2C", from api/identity.py: the caller passes the
naming function), never by its candidate's email. The shares are
given both ways (how much of this one is found in the other, and the reverse);
``flagged`` is the stored comparison's verdict against the threshold. A
similarity is evidence for a reviewer, never a score.

The side-by-side view reads the files from the repositories on this host (a
hosted repository, or one under the data folder's repos/) at the graded
commits, and the challenge's solution and starter from its version's folder;
when a side cannot be read, its line ranges are shown alone, with a note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from grader import git
from grader.config import Settings
from grader.errors import GraderError
from grader.hosting.repositories import local_repository
from grader.similarities import threshold_of
from grader.store import repo, similarity
from grader.store.models import SubmissionRow

FLOOR = 0.1  # below this share a pair is not worth a reviewer's look ("no similar submission")
FOLDERS = ("solution", "starter")  # the challenge's own trees a submission is compared with
MAX_LINES = 400  # a fragment's lines shown at most, a side


Name = Callable[[str], str]  # another submission's id -> what to call it


@dataclass(frozen=True)
class SpanView:
    path: str
    start_line: int
    end_line: int


@dataclass(frozen=True)
class FragmentView:
    this: SpanView
    other: SpanView
    fingerprints: int


@dataclass
class PairView:
    """This submission and one other tree (a submission, the solution or the starter)."""

    other: str
    kind: str
    label: str
    shared: int
    share_this: float
    share_other: float
    flagged: bool
    fragments: list[FragmentView] = field(default_factory=list)

    @property
    def similarity(self) -> float:
        return max(self.share_this, self.share_other)


@dataclass
class Similar:
    computed: bool
    threshold: float
    submissions: list[PairView]
    references: list[PairView]
    starter: PairView | None

    @property
    def shown(self) -> list[PairView]:
        """What the report page lists: the pairs at or above the floor, closest first."""
        pairs = [p for p in (*self.references, *self.submissions) if p.similarity >= FLOOR]
        return sorted(pairs, key=lambda p: -p.similarity)

    def pair(self, other: str) -> PairView | None:
        everything = [
            *self.submissions,
            *self.references,
            *([self.starter] if self.starter else []),
        ]
        return next((p for p in everything if p.other == other), None)


def _span(data: Any) -> SpanView:
    return SpanView(str(data["path"]), int(data["start_line"]), int(data["end_line"]))


def _pair(match: dict[str, Any], name: Name, *, turned: str | None = None) -> PairView:
    """A stored match; ``turned``: the id of the submission whose comparison it is, when
    it is seen from the other side."""
    fragments = [
        FragmentView(_span(f["query"]), _span(f["other"]), int(f["fingerprints"]))
        for f in match.get("fragments") or []
    ]
    share_q, share_o = float(match["share_query"]), float(match["share_other"])
    other, kind = str(turned or match["other"]), str(match.get("kind", "submission"))
    if turned is not None:
        fragments = [FragmentView(f.other, f.this, f.fingerprints) for f in fragments]
        share_q, share_o = share_o, share_q
    label = name(other) if kind == "submission" else f"the challenge's {other}"
    return PairView(
        other,
        kind,
        label,
        int(match["shared"]),
        share_q,
        share_o,
        bool(match["flagged"]),
        fragments,
    )


def similar(session: Session, row: SubmissionRow, name: Name) -> Similar:
    """This submission's closest others, from its own comparison and the later ones;
    ``name`` says what to call another submission."""
    own = similarity.result_of(session, row.id)
    report = own.report if own else {}
    threshold = own.threshold if own else threshold_of(session, row.challenge_id)
    pairs = {p.other: p for p in (_pair(m, name) for m in report.get("submissions") or [])}
    for later in similarity.mentioning(session, row.challenge_id, row.id):
        for match in later.report.get("submissions") or []:
            if match.get("other") == row.id and later.submission_id not in pairs:
                pairs[later.submission_id] = _pair(match, name, turned=later.submission_id)
    starter = report.get("starter")
    return Similar(
        computed=own is not None,
        threshold=threshold,
        submissions=sorted(pairs.values(), key=lambda p: (-p.similarity, p.other)),
        references=[_pair(m, name) for m in report.get("references") or []],
        starter=_pair(starter, name) if isinstance(starter, dict) else None,
    )


# -- side by side --------------------------------------------------------------------------
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
