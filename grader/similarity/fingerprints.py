"""The fingerprints of one submission's tree: what is stored, and what the index compares.

``Fingerprints.from_tree`` (a mapping path -> text) or ``from_folder`` (a
checked-out tree on disk) tokenises every source file (see tokens.py), hashes
its k-grams and winnows them (see winnow.py) file by file: a k-gram never
spans two files, so moving code from one file to another hides nothing.

Each ``Fingerprint`` keeps its file, its token position in that file (to merge
neighbouring matches into fragments) and the lines its k-gram spans (to show
them). ``to_json``/``from_json`` give a compact, column-wise, JSON-compatible
form (a few kilobytes for a typical submission) that can be stored in any
database; reading it back gives an equal object, and reading data of another
scheme or a damaged blob raises ``InfrastructureError`` (stored data is ours).

Guarantees: the same tree always gives the same fingerprints, whatever the
order of the mapping; nothing outside the folder is ever read (symbolic links
are skipped, as is ``.git``); files that are not source code are ignored.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, NamedTuple

from grader.errors import InfrastructureError
from grader.similarity.tokens import MAX_FILE_CHARS, lexer_for, tokenize
from grader.similarity.winnow import Scheme, kgram_hashes, winnow

# Source code lexed per tree: past it, the largest files go unread (see from_tree).
MAX_TREE_CHARS = 512 * 1024
_SKIPPED_DIRS = frozenset({".git", "node_modules", "__pycache__", ".venv", "venv", "target"})
_COLUMNS = ("hash", "file", "position", "line", "span")


class Fingerprint(NamedTuple):
    """One selected k-gram: its hash, where it is, and the lines (1-based, inclusive) it spans."""

    hash: int
    path: str
    position: int
    start_line: int
    end_line: int


@dataclass(frozen=True)
class Fingerprints:
    """The fingerprints of one tree, in (path, position) order, with the scheme they use."""

    scheme: Scheme
    items: tuple[Fingerprint, ...]
    hashes: frozenset[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hashes", frozenset(fp.hash for fp in self.items))

    @classmethod
    def from_tree(
        cls, tree: Mapping[str, str], scheme: Scheme | None = None, budget: int = MAX_TREE_CHARS
    ) -> Fingerprints:
        """Fingerprint a tree given as POSIX-style relative path -> file text.

        At most ``budget`` characters of source code are lexed, smallest files first: a
        submission is hostile input, and lexing costs the worker's CPU (about 3 s for the
        worst 256 KB file found). A tree past the budget keeps the fingerprints of its
        smaller files, where a take-home's own code is; its largest files go unread."""
        scheme = scheme or Scheme()
        items: list[Fingerprint] = []
        left = budget
        for path in sorted(tree, key=lambda p: (len(tree[p]), p)):
            if lexer_for(path) is None or len(tree[path]) > MAX_FILE_CHARS:
                continue  # not source code (tokenize skips it): costs nothing, counts nothing
            left -= len(tree[path])
            if left < 0:
                break
            items.extend(_fingerprint_file(path, tree[path], scheme))
        items.sort(key=lambda fp: (fp.path, fp.position))
        return cls(scheme, tuple(items))

    @classmethod
    def from_folder(
        cls, root: str | os.PathLike[str], scheme: Scheme | None = None
    ) -> Fingerprints:
        """Fingerprint the source files under a folder (no symbolic link is followed)."""
        return cls.from_tree(dict(_read_folder(Path(root))), scheme)

    def __len__(self) -> int:
        return len(self.items)

    def without(self, globs: Sequence[str]) -> Fingerprints:
        """These fingerprints less the files matching any of the globs (fnmatch, on the
        relative POSIX path: ``*`` also matches ``/``); the same object without globs."""
        if not globs:
            return self
        kept = tuple(fp for fp in self.items if not any(fnmatchcase(fp.path, g) for g in globs))
        return Fingerprints(self.scheme, kept)

    def paths(self) -> list[str]:
        """The files that have at least one fingerprint, sorted."""
        return sorted({fp.path for fp in self.items})

    def to_json(self) -> dict[str, Any]:
        """A compact JSON-compatible form: the paths once, then one list per column."""
        paths = self.paths()
        file_index = {path: i for i, path in enumerate(paths)}
        return {
            "scheme": {"k": self.scheme.k, "w": self.scheme.w, "version": self.scheme.version},
            "paths": paths,
            "hash": [fp.hash for fp in self.items],
            "file": [file_index[fp.path] for fp in self.items],
            "position": [fp.position for fp in self.items],
            "line": [fp.start_line for fp in self.items],
            "span": [fp.end_line - fp.start_line for fp in self.items],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fingerprints:
        """Read back to_json's data; InfrastructureError if damaged or of another scheme."""
        try:
            scheme = Scheme(**data["scheme"])
            paths = [str(path) for path in data["paths"]]
            columns = [[int(value) for value in data[name]] for name in _COLUMNS]
            hashes, files, positions, lines, spans = columns
            if len({len(column) for column in columns}) > 1:
                raise ValueError("columns of different lengths")
            items = tuple(
                Fingerprint(h, paths[f], p, line, line + span)
                for h, f, p, line, span in zip(hashes, files, positions, lines, spans, strict=True)
            )
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise InfrastructureError(f"stored fingerprints cannot be read: {exc!r}") from exc
        if scheme != Scheme(scheme.k, scheme.w):
            raise InfrastructureError(
                f"stored fingerprints use scheme version {scheme.version}, "
                f"not {Scheme().version}: fingerprint the tree again"
            )
        return cls(scheme, items)


def _fingerprint_file(path: str, text: str, scheme: Scheme) -> Iterator[Fingerprint]:
    tokens = tokenize(path, text)
    if not tokens:
        return
    hashes = kgram_hashes([token.kind for token in tokens], scheme.k)
    for hash_, position in winnow(hashes, scheme.w):
        last = min(position + scheme.k, len(tokens)) - 1
        yield Fingerprint(hash_, path, position, tokens[position].line, tokens[last].end_line)


def _read_folder(root: Path) -> Iterator[tuple[str, str]]:
    """(relative POSIX path, text) of the regular files under root that may be source code."""
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        for name in sorted(files):
            path = Path(folder, name)
            if path.is_symlink() or not path.is_file():
                continue
            if path.stat().st_size > 4 * MAX_FILE_CHARS:  # at most 4 bytes a character
                continue
            # A file in another encoding is still compared, with the odd character replaced.
            text = path.read_text(encoding="utf-8", errors="replace")
            yield path.relative_to(root).as_posix(), text
