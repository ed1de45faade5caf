"""What the code views show: a graded commit's files, one file highlighted, and diffs.

A submission's code is read from its repository on this host (a hosted
repository, or one under the data folder's repos/), through grader.git.browse,
which bounds every read. An external repository is not kept by the worker (it
saves the test run's artifacts, not the tree), so for one of those the views say
so instead of cloning on request. Every name and every line a candidate wrote
passes through ``visible``: control characters, bidirectional overrides and
undecodable bytes become visible marks; HTML is escaped by Jinja's autoescaping,
or by Pygments for a highlighted file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_for_filename
from pygments.util import ClassNotFound
from sqlalchemy.orm import Session

from api.similar import repository_on_host
from grader.config import Settings
from grader.errors import GraderError
from grader.git import MODE_GITLINK, MODE_LINK, browse
from grader.store import hosted
from grader.store.models import SubmissionRow

HIGHLIGHT_BYTES = 64 * 1024
FORMATTER = HtmlFormatter(cssclass="hl", linenos="table", wrapcode=True)
STYLE: str = FORMATTER.get_style_defs(".hl")  # type: ignore[no-untyped-call]
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # all but tab, newline and CR
SURROGATE = re.compile("[\ud800-\udfff]")
CONTROL_NAMES = {"\x00": "NUL", "\x07": "BEL", "\x08": "BS", "\x1b": "ESC", "\x7f": "DEL"}
NOT_ON_HOST = (
    "The code of this submission cannot be shown: its repository is not on this server "
    "(an external repository; the worker keeps the test run, not a copy of the tree)."
)


def visible(text: Any) -> str:
    """Text a candidate wrote, with what a browser would hide or misuse made visible."""
    text = SURROGATE.sub("\ufffd", str(text))
    text = BIDI.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)
    # In ASCII, like the overrides: fonts often lack the control pictures (U+2400...).
    return CONTROL.sub(lambda m: f"<{_control_name(m.group())}>", text)


def _control_name(char: str) -> str:
    return CONTROL_NAMES.get(char, f"0x{ord(char):02X}")


@dataclass(frozen=True)
class Source:
    """Where a submission's code is, or why it cannot be shown."""

    repo: Path | None
    commit: str | None
    starter: str | None  # the commit the candidate's work starts after
    why: str | None = None


def source_of(
    session: Session, settings: Settings, row: SubmissionRow, report: dict[str, Any]
) -> Source:
    starter = _starter(session, row, report)
    where = repository_on_host(settings, row.repo)
    if where is None:
        return Source(None, row.commit, starter, NOT_ON_HOST)
    if not row.commit:
        return Source(None, None, starter, "This submission has no graded commit yet.")
    try:
        if not browse.has_commit(where, row.commit):
            return Source(
                None, row.commit, starter, "The graded commit is no longer in the repository."
            )
    except GraderError as exc:
        return Source(None, row.commit, starter, f"The repository cannot be read: {exc}")
    return Source(where, row.commit, starter)


def _starter(session: Session, row: SubmissionRow, report: dict[str, Any]) -> str | None:
    if row.invitation_id:
        invitation = hosted.get_invitation(session, row.invitation_id)
        if invitation is not None and invitation.seed_commit:
            return invitation.seed_commit
    base = (report.get("history") or {}).get("base_commit")
    return base if isinstance(base, str) and len(base) == 40 else None


# -- the tree -------------------------------------------------------------------------------
@dataclass(frozen=True)
class TreeRow:
    path: str  # visible
    size: int
    kind: str  # "file", "symlink", "submodule", "large"


def tree_rows(source: Source) -> tuple[list[TreeRow], int]:
    """The graded commit's files, and how many were left out past the listing's bound."""
    if source.repo is None or source.commit is None:
        return [], 0
    tree = browse.list_tree(source.repo, source.commit)
    rows = [TreeRow(visible(e.path), e.size, _entry_kind(e.mode, e.size)) for e in tree.entries]
    return rows, tree.truncated


def _entry_kind(mode: str, size: int) -> str:
    if mode == MODE_LINK:
        return browse.Kind.LINK
    if mode == MODE_GITLINK:
        return browse.Kind.SUBMODULE
    return browse.Kind.LARGE if size > browse.MAX_FILE_BYTES else "file"


# -- one file -------------------------------------------------------------------------------
@dataclass(frozen=True)
class FileView:
    path: str  # visible
    size: int
    kind: str
    html: Markup | None  # highlighted text (Pygments escapes it)
    target: str | None  # a symlink's target, visible


def find_file(source: Source, path: str) -> browse.File | None:
    """The file whose visible name is ``path``, or None. Names are matched against the
    tree's own list, so no name reaches git or the file system."""
    if source.repo is None or source.commit is None:
        return None
    entries = browse.list_tree(source.repo, source.commit).entries
    raw = next((e.path for e in entries if visible(e.path) == path), None)
    return None if raw is None else browse.read_file(source.repo, source.commit, raw)


def _unmasked(text: str) -> str:
    return text


def file_view(source: Source, path: str, mask: Callable[[str], str] = _unmasked) -> FileView | None:
    """One file as a page shows it; ``mask`` hides a blinded candidate's traces in its text
    (api/identity.py), before it is highlighted."""
    found = find_file(source, path)
    if found is None:
        return None
    html = target = None
    if found.kind == browse.Kind.TEXT and found.text is not None:
        # Highlighting multiplies a file's bytes: past HIGHLIGHT_BYTES it is plain text.
        lexer = _lexer(path) if found.size <= HIGHLIGHT_BYTES else TextLexer(stripnl=False)
        html = Markup(highlight(visible(mask(found.text)), lexer, FORMATTER))
    elif found.kind == browse.Kind.LINK:
        target = visible(mask(found.text or ""))
    return FileView(path, found.size, found.kind, html, target)


def _lexer(path: str) -> Lexer:
    try:
        found: Lexer = get_lexer_for_filename(path.rsplit("/", 1)[-1], stripnl=False)
    except ClassNotFound:
        found = TextLexer(stripnl=False)
    return found


# -- diffs ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "del", "hunk", "ctx"
    text: str  # visible


@dataclass(frozen=True)
class FileDiffView:
    status: str
    path: str
    old_path: str | None
    kind: str
    old_size: int
    new_size: int
    lines: list[DiffLine]
    cut: bool

    @property
    def added(self) -> int:
        return sum(line.kind == "add" for line in self.lines)

    @property
    def deleted(self) -> int:
        return sum(line.kind == "del" for line in self.lines)


def diff_view(
    repo: Path, old: str | None, new: str, mask: Callable[[str], str] = _unmasked
) -> tuple[list[FileDiffView], int, bool]:
    """Each changed file's diff (its lines through ``mask``), the files left out past the
    bound, and whether the page's byte budget ran out."""
    found = browse.diff(repo, old, new)
    files = [
        FileDiffView(
            f.status,
            visible(f.path),
            visible(f.old_path) if f.old_path else None,
            f.kind,
            f.old_size,
            f.new_size,
            [DiffLine(_line_kind(line), visible(mask(line))) for line in f.lines],
            f.cut,
        )
        for f in found.files
    ]
    return files, found.truncated, found.budget_spent


def _line_kind(line: str) -> str:
    if line.startswith("@@"):
        return "hunk"
    return {"+": "add", "-": "del"}.get(line[:1], "ctx")


def full_sha(value: str) -> bool:
    return len(value) == 40 and all(c in "0123456789abcdef" for c in value)
