"""The version-control skill: a score and findings from the candidate's own git history.

Only the candidate's commits count: those after the seed commit of a hosted
repository, or else after the first commit whose files are exactly the
starter's. The history is read in a handful of git calls (the log of the
range, blob sizes, the blobs to scan for secrets, the final tree and
.gitignore), whatever its length; every rule then works on the parsed history.
The rubric's weights live in grader/history/rules.py, the rules in the other
modules of grader/history/; docs/version-control.md explains them.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from grader import git
from grader.errors import RepositoryError
from grader.git import MODE_EXEC, MODE_FILE, MODE_LINK, NULL_SHA, LogChange, LogCommit, TreeEntry
from grader.history.files import (
    CommittedSecret,
    hygiene_findings,
    hygiene_offences,
    ignore_sample,
    secret_findings,
    tests_findings,
)
from grader.history.messages import message_findings
from grader.history.paths import is_code_path, is_test_path, path_category
from grader.history.rules import (
    Finding,
    History,
    build_history,
    finding,
    granularity_findings,
    no_commit_findings,
    settle,
)
from grader.history.secrets import SecretHit, find_secrets
from grader.history.signals import reviewer_signals
from grader.history.timeline import timeline_findings
from grader.timestamps import rfc3339

__all__ = ["Finding", "HistoryResult", "analyse_history", "blob_sha", "starter_blobs"]

MAX_SCAN_BLOB: Final = 1 << 20  # larger files are reported as large, not scanned
MAX_SCAN_TOTAL: Final = 64 << 20  # bytes of blobs scanned for secrets in one history
# The history is read on the host, outside any sandbox: bounded before it is read.
MAX_COMMITS: Final = 5000
MAX_COMMIT_BYTES: Final = 32 << 20  # all commit objects, messages included
VENDORED: Final = frozenset(
    {  # other people's files: not scanned for the candidate's secrets
        "hygiene.committed-virtualenv",
        "hygiene.committed-node-modules",
        "hygiene.committed-bytecode",
        "hygiene.committed-build-output",
    }
)
_BLOB_MODES: Final = (MODE_FILE, MODE_EXEC, MODE_LINK)


@dataclass(frozen=True)
class HistoryResult:
    score: float  # 0..100, rounded to 1 decimal
    findings: list[Finding]
    commits_considered: int
    base_commit: str | None  # the commit the candidate's work starts after
    notes: list[str]
    # The candidate's commits, oldest first: sha, subject, authored_at, pushed_at, churn.
    commits: list[dict[str, Any]] = field(default_factory=list)
    # For reviewers only, never scored (grader/history/signals.py): kind, message, commits, figures.
    signals: list[dict[str, Any]] = field(default_factory=list)


def analyse_history(
    repo_dir: Path,
    commit: str,
    *,
    starter_dir: Path | None,
    seed_commit: str | None = None,
    push_times: Mapping[str, datetime] | None = None,
) -> HistoryResult:
    """Score the commits of a bare clone that lead to ``commit``, after the starting point."""
    tip = git.resolve_commit(repo_dir, commit)
    too_large = git.history_too_large(repo_dir, tip, MAX_COMMITS, MAX_COMMIT_BYTES)
    if too_large:
        message = f"The history is not analysed: {too_large}."
        return HistoryResult(0.0, [Finding("history.too-large", message, None, 0.0)], 0, None, [])
    start = _find_start(repo_dir, tip, starter_dir, seed_commit)
    commits = git.log_commits(repo_dir, tip, start.exclude)
    findings, notes = list(start.findings), list(start.notes)
    signals: list[dict[str, Any]] = []
    if any(len(c.parents) < 2 for c in commits):
        findings += _judge(repo_dir, tip, commits, start.base, push_times, notes)
        signals = reviewer_signals(
            repo_dir, tip, commits, start.base, start.seeded, push_times, notes
        )
    else:
        findings += no_commit_findings()
    settled, score = settle(findings)
    return HistoryResult(
        score, settled, len(commits), start.base, notes, _timeline(commits, push_times), signals
    )


MAX_TIMELINE = 500


def _timeline(
    commits: list[LogCommit], push_times: Mapping[str, datetime] | None
) -> list[dict[str, Any]]:
    """What reviewers see of each commit, oldest first (the newest 500 at most)."""
    pushed = push_times or {}
    return [
        {
            "sha": c.sha,
            "subject": c.message.split("\n", 1)[0][:200],
            "authored_at": rfc3339(datetime.fromtimestamp(c.author_time, UTC)),
            "pushed_at": rfc3339(pushed[c.sha]) if c.sha in pushed else None,
            "merge": len(c.parents) > 1,
            "added": sum(ch.added or 0 for ch in c.changes),
            "deleted": sum(ch.deleted or 0 for ch in c.changes),
        }
        for c in commits[-MAX_TIMELINE:]
    ]


def _judge(
    repo: Path,
    tip: str,
    commits: list[LogCommit],
    base: str | None,
    push_times: Mapping[str, datetime] | None,
    notes: list[str],
) -> list[Finding]:
    history = build_history(commits, git.object_sizes(repo, _blob_shas(commits)))
    if merges := len(commits) - len(history.scored):
        notes.append(f"{merges} merge commit(s) are not scored as messages or churn.")
    final = {entry.path: entry for entry in git.tree_entries(repo, tip)}
    offences = hygiene_offences(history)
    ignored = _ignored(repo, final, ignore_sample(offences))
    base_time = git.commit_time(repo, base) if base else None
    return [
        *message_findings(history),
        *granularity_findings(history),
        *hygiene_findings(offences, final, ignored),
        *secret_findings(_committed_secrets(repo, history, final, notes)),
        *tests_findings(history),
        *timeline_findings(
            history, now=datetime.now(UTC), base_time=base_time, push_times=push_times
        ),
    ]


def _blob_shas(commits: Iterable[LogCommit]) -> list[str]:
    shas = {
        sha
        for c in commits
        for ch in c.changes
        for sha, mode in ((ch.new_sha, ch.new_mode), (ch.old_sha, ch.old_mode))
        if mode in _BLOB_MODES and sha != NULL_SHA
    }
    return sorted(shas)


def _ignored(repo: Path, final: Mapping[str, TreeEntry], sample: list[str]) -> set[str]:
    entry = final.get(".gitignore")
    if not sample or entry is None or entry.mode not in (MODE_FILE, MODE_EXEC):
        return set()
    content = next(iter(git.read_blobs(repo, [entry.sha])))
    return git.ignored_paths(repo, content, sample)


# --- where the candidate's work starts -----------------------------------------------------


@dataclass(frozen=True)
class _Start:
    base: str | None
    exclude: tuple[str, ...]
    findings: tuple[Finding, ...]
    notes: tuple[str, ...]
    seeded: bool = False  # the base is the invitation's seed commit


def _find_start(repo: Path, tip: str, starter_dir: Path | None, seed_commit: str | None) -> _Start:
    seed, notes = None, []
    if seed_commit:
        try:
            seed = git.resolve_commit(repo, seed_commit)
        except RepositoryError:
            notes.append(f"The seed commit {seed_commit} is not in the repository.")
    if seed and git.is_ancestor(repo, seed, tip):
        return _Start(
            seed,
            (seed,),
            (),
            (f"Counting the commits after the seed commit {seed[:12]}.",),
            seeded=True,
        )
    starter = _starter_commit(repo, tip, starter_dir)
    if starter:
        notes.append(
            f"Counting the commits after {starter[:12]}, the first with the starter's files."
        )
    else:
        notes.append(f"All commits count: {_no_starter_reason(starter_dir)}.")
    exclude = tuple(sha for sha in (seed, starter) if sha)
    return _Start(starter, exclude, _not_descended(seed_commit, starter, starter_dir), tuple(notes))


def _no_starter_reason(starter_dir: Path | None) -> str:
    if starter_dir is None:
        return "no starter code was given"
    if not starter_dir.is_dir():
        return "the starter folder is missing"
    return "no commit has exactly the starter's files"


def _not_descended(
    seed_commit: str | None, starter: str | None, starter_dir: Path | None
) -> tuple[Finding, ...]:
    """The reviewer's flag for a history that did not grow from what we handed out."""
    if seed_commit:
        then = (
            f"counting after the starter's commit {starter[:12]}"
            if starter
            else "all its commits count"
        )
        what = f"the seed commit {seed_commit[:12]}; {then}"
    elif starter:
        return ()
    else:
        what = f"the starter code ({_no_starter_reason(starter_dir)}); every commit counts"
    return (
        finding(
            "timeline.not-descended",
            f"The history does not descend from {what}. Check how it was made.",
        ),
    )


def blob_sha(data: bytes) -> str:
    """The id git gives a blob with this content."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def starter_blobs(starter_dir: Path) -> dict[str, str]:
    """path -> blob id for every file under ``starter_dir``, as git would store them."""
    blobs = {}
    for root, dirs, files in os.walk(starter_dir):
        links = [d for d in dirs if os.path.islink(os.path.join(root, d))]
        dirs[:] = [d for d in dirs if d != ".git" and d not in links]
        for name in [*files, *links]:
            full = Path(root, name)
            if name != ".git":
                data = os.fsencode(os.readlink(full)) if full.is_symlink() else full.read_bytes()
                blobs[full.relative_to(starter_dir).as_posix()] = blob_sha(data)
    return blobs


def _starter_commit(repo: Path, tip: str, starter_dir: Path | None) -> str | None:
    """The oldest first-parent commit whose files are exactly the starter's."""
    if starter_dir is None or not starter_dir.is_dir():
        return None
    want = _committable(repo, starter_dir, starter_blobs(starter_dir))
    tree: dict[str, str] = {}
    # Replaying the first-parent diffs gives every commit's files from one git call.
    for commit in git.log_commits(repo, tip, first_parent=True):
        for change in commit.changes:
            if change.status == "D":
                tree.pop(change.path, None)
            else:
                tree[change.path] = change.new_sha
        if tree == want:
            return commit.sha
    return None


def _committable(repo: Path, starter_dir: Path, blobs: dict[str, str]) -> dict[str, str]:
    """``blobs`` less what the starter's own .gitignore keeps out (caches from a local run)."""
    gitignore = starter_dir / ".gitignore"
    if not gitignore.is_file():
        return blobs
    ignored = git.ignored_paths(repo, gitignore.read_bytes(), sorted(blobs))
    return {path: sha for path, sha in blobs.items() if path not in ignored}


# --- secrets -------------------------------------------------------------------------------


def _committed_secrets(
    repo: Path, history: History, final: Mapping[str, TreeEntry], notes: list[str]
) -> list[CommittedSecret]:
    targets = _scan_targets(history, notes)
    texts: dict[str, str | None] = {}
    # Each version with the one before it, in one read: only the lines a commit
    # added are scanned, so a file edited a hundred times is not scanned a hundred times.
    befores = [
        ch.old_sha
        for _, ch in targets.values()
        if history.sizes.get(ch.old_sha, MAX_SCAN_BLOB + 1) <= MAX_SCAN_BLOB
    ]
    _read_texts(repo, [*targets, *befores], texts)
    pending = [
        (commit, change, hit)
        for sha, (commit, change) in targets.items()
        for hit in _added_secrets(texts[sha], texts.get(change.old_sha), change.path)
    ]
    # One more read, only for files with a hit: is the secret still in the final version?
    final_shas = {
        ch.path: final[ch.path].sha
        for _, ch, _ in pending
        if ch.path in final and final[ch.path].mode in (MODE_FILE, MODE_EXEC)
    }
    _read_texts(repo, list(final_shas.values()), texts)
    found: dict[str, CommittedSecret] = {}
    for commit, change, hit in pending:
        # A value the file held before the commit (moved, or from the starter) is not new.
        if hit.value in found or hit.value in (texts.get(change.old_sha) or ""):
            continue
        present = hit.value in (texts.get(final_shas.get(change.path, "")) or "")
        found[hit.value] = CommittedSecret(commit, change.path, hit, present)
    return list(found.values())


def _added_secrets(new: str | None, old: str | None, path: str) -> list[SecretHit]:
    """Secrets on the lines of ``new`` that ``old`` does not have, with their line numbers."""
    if new is None:
        return []
    known = set(old.split("\n")) if old else set()
    added = [(number, line) for number, line in enumerate(new.split("\n"), 1) if line not in known]
    hits = find_secrets(
        "\n".join(line for _, line in added),
        code_file=is_code_path(path),
        test_file=is_test_path(path),
    )
    return [replace(hit, line=added[hit.line - 1][0]) for hit in hits]


def _scan_targets(history: History, notes: list[str]) -> dict[str, tuple[LogCommit, LogChange]]:
    """Each blob to scan, with the first commit that added it, within the byte budget."""
    targets: dict[str, tuple[LogCommit, LogChange]] = {}
    budget, skipped = MAX_SCAN_TOTAL, 0
    for commit in history.scored:
        for change in commit.changes:
            size = history.sizes.get(change.new_sha)
            if (
                change.status == "D"
                or change.new_mode not in (MODE_FILE, MODE_EXEC)
                or change.new_sha in targets
                or size is None
                or path_category(change.path) in VENDORED
            ):
                continue
            if size > min(MAX_SCAN_BLOB, budget):
                skipped += 1
                continue
            budget -= size
            targets[change.new_sha] = (commit, change)
    if skipped:
        notes.append(f"{skipped} file version(s) were too large to scan for secrets.")
    return targets


def _read_texts(repo: Path, shas: list[str], texts: dict[str, str | None]) -> None:
    """Adds the text of each blob not read yet to ``texts`` (None for a binary file)."""
    todo = [sha for sha in dict.fromkeys(shas) if sha not in texts]
    for sha, data in zip(todo, git.read_blobs(repo, todo), strict=True):
        texts[sha] = None if b"\0" in data[:8000] else data.decode("utf-8", "replace")
