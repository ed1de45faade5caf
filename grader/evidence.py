"""What a grading reads from the clone and the working tree alone, beside the suite's run.

The submission's tree hash, the static integrity signals, the hidden suite's
lines that start processes and the similarity fingerprints need neither the
sandbox nor the suite's outcome, so grade() gathers them in the background
thread that reads the history while the suite runs. The fingerprints are kept
for a graded submission only; their failure never fails a grading.
"""

from __future__ import annotations

import io
import logging
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

from grader import fetch, integrity
from grader.git import tree_of
from grader.similarity import Fingerprints
from grader.similarity.tokens import MAX_FILE_CHARS
from grader.workspace import Workspace

log = logging.getLogger("grader.evidence")


@dataclass(frozen=True)
class Evidence:
    """What the report and the similarity check read from the clone and the working tree
    alone, gathered beside the suite's run."""

    tree: str
    signals: list[integrity.Signal]
    outside: list[integrity.Signal]
    fingerprints: Fingerprints | None
    fingerprint_s: float


def gather(
    fetched: fetch.Fetched, workspace: Workspace, hidden_dir: Path, fingerprint: bool = True
) -> Evidence:
    """The submission's tree, the static integrity signals and the fingerprints (computed for
    every grading that wants them, used for a graded one: the suite's outcome is not known
    yet)."""
    started = time.perf_counter()
    fingerprints = fingerprint_workspace(workspace) if fingerprint else None
    fingerprint_s = round(time.perf_counter() - started, 4) if fingerprint else 0.0
    return Evidence(
        tree=tree_of(fetched.repo_dir, fetched.commit),
        signals=integrity.scan_tar(workspace.tar),
        outside=integrity.outside_guarantee(hidden_dir),
        fingerprints=fingerprints,
        fingerprint_s=fingerprint_s,
    )


def fingerprint_workspace(workspace: Workspace) -> Fingerprints | None:
    """The similarity fingerprints of the workspace's regular files, or None if that fails
    (a similarity is evidence for a reviewer: its failure never fails a grading)."""
    try:
        tree: dict[str, str] = {}
        with tarfile.open(fileobj=io.BytesIO(workspace.tar), mode="r") as archive:
            for member in archive:
                # Links are never followed; an oversized file is no source code to compare.
                if not member.isreg() or member.size > 4 * MAX_FILE_CHARS:
                    continue
                handle = archive.extractfile(member)
                if handle is not None:
                    tree[member.name] = handle.read().decode("utf-8", errors="replace")
        return Fingerprints.from_tree(tree)  # the library skips what is not source code
    except Exception:
        log.exception("could not fingerprint the submission: no similarity check for it")
        return None
