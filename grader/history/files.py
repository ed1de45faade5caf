"""Rules about what the commits put in the repository: hygiene, secrets, tests beside code."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Final

from grader.git import MODE_GITLINK, MODE_LINK, LogChange, LogCommit
from grader.history.paths import content_category, is_code_path, is_test_path, path_category
from grader.history.rules import Finding, History, finding, short
from grader.history.secrets import SecretHit

LABELS: Final = {
    "hygiene.committed-virtualenv": "a virtualenv",
    "hygiene.committed-node-modules": "node_modules",
    "hygiene.committed-bytecode": "Python bytecode",
    "hygiene.committed-build-output": "build output or tool caches",
    "hygiene.committed-env-file": "a .env file",
    "hygiene.committed-os-junk": "operating-system clutter",
    "hygiene.committed-binary": "binary files",
    "hygiene.large-file": "files over 1 MB",
}
# Generated files that a .gitignore should keep out; large and binary files may be deliberate.
IGNORABLE: Final = frozenset(LABELS) - {"hygiene.committed-binary", "hygiene.large-file"}
IGNORE_SAMPLE: Final = 20  # paths per kind asked of .gitignore


@dataclass
class Offence:
    rule: str
    commit: LogCommit  # the first commit that added such a file
    paths: list[str] = field(default_factory=list)


def hygiene_rule(change: LogChange, history: History) -> str | None:
    """The hygiene rule that adding or changing this file breaks, if any."""
    if change.status == "D" or change.new_mode == MODE_GITLINK:
        return None
    binary = change.added is None and change.new_mode != MODE_LINK
    return path_category(change.path) or content_category(
        change.path, binary=binary, size=history.sizes.get(change.new_sha)
    )


def hygiene_offences(history: History) -> dict[str, Offence]:
    offences: dict[str, Offence] = {}
    for commit in history.scored:
        for change in commit.changes:
            rule = hygiene_rule(change, history)
            if rule is not None:
                offences.setdefault(rule, Offence(rule, commit)).paths.append(change.path)
    return offences


def hygiene_findings(
    offences: dict[str, Offence], final_paths: Collection[str], ignored: Collection[str]
) -> list[Finding]:
    if not offences:
        return [finding("hygiene.clean", "Nothing was committed that should not have been.")]
    findings = []
    for rule, offence in offences.items():
        paths = sorted(set(offence.paths))
        where = (
            "it is still in the final commit"
            if any(p in final_paths for p in paths)
            else "it was removed later but stays in the history"
        )
        findings.append(
            finding(
                rule,
                f"Commit {short(offence.commit)} added {LABELS[rule]} ({len(paths)} "
                f"file{'s' if len(paths) > 1 else ''}, e.g. {', '.join(paths[:3])}); {where}.",
                offence.commit.sha,
            )
        )
        if rule in IGNORABLE and not all(p in ignored for p in paths[:IGNORE_SAMPLE]):
            missed = next(p for p in paths if p not in ignored)
            findings.append(
                finding(
                    "hygiene.not-ignored",
                    f"The final .gitignore does not ignore {LABELS[rule]} (e.g. {missed}).",
                )
            )
    return findings


def ignore_sample(offences: dict[str, Offence]) -> list[str]:
    """The paths to ask .gitignore about."""
    return sorted(
        {
            p
            for rule, offence in offences.items()
            if rule in IGNORABLE
            for p in sorted(set(offence.paths))[:IGNORE_SAMPLE]
        }
    )


# --- secrets -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommittedSecret:
    commit: LogCommit
    path: str
    hit: SecretHit
    still_present: bool


def secret_findings(found: Sequence[CommittedSecret]) -> list[Finding]:
    if not found:
        return [finding("secrets.clean", "No secrets were found in the added lines.")]
    findings = []
    for item in found:
        what = item.hit.kind + (f" assigned to {item.hit.name}" if item.hit.name else "")
        where = (
            "it is still in the final commit"
            if item.still_present
            else "it was deleted later but stays in the history"
        )
        findings.append(
            finding(
                "secrets.committed",
                f"Commit {short(item.commit)} added a secret to {item.path} "
                f"line {item.hit.line}, {what} {item.hit.masked}; {where}: revoke it.",
                item.commit.sha,
            )
        )
    return findings


# --- tests beside code ---------------------------------------------------------------------


def _changes_code(commit: LogCommit) -> bool:
    return any(
        is_code_path(ch.path) and not is_test_path(ch.path) and path_category(ch.path) is None
        for ch in commit.changes
    )


def tests_findings(history: History) -> list[Finding]:
    code_commits = [c for c in history.scored if _changes_code(c)]
    if not code_commits:
        return [
            finding(
                "tests.alongside-code",
                "No commit changed code, so none could change tests with it.",
                scale=0,
            )
        ]
    with_tests = sum(any(is_test_path(ch.path) for ch in c.changes) for c in code_commits)
    return [
        finding(
            "tests.alongside-code",
            f"{with_tests} of {len(code_commits)} commits that change code also change tests.",
            scale=with_tests / len(code_commits),
        )
    ]
