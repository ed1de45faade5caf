"""Commit-message rules: gitlint's own where they fit, run in-process, and a few more.

gitlint's rule classes are used directly rather than through its linter: the
linter builds a git context that runs git for each message, and its module
configures the root logger on import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from gitlint import rules as gitlint_rules  # type: ignore[import-untyped,unused-ignore]

from grader.git import LogCommit
from grader.history.rules import Finding, History, finding, short

MAX_SUBJECT: Final = 72
MIN_SUBJECT: Final = 6
BODY_NEEDED_CHURN: Final = 150  # lines changed above which a commit should explain itself
BODY_NEEDED_FILES: Final = 10

_GITLINT_TITLE_RULES: Final = (
    ("message.subject-length", gitlint_rules.TitleMaxLength({"line-length": MAX_SUBJECT})),
    ("message.subject-short", gitlint_rules.TitleMinLength({"min-length": MIN_SUBJECT})),
    ("message.subject-form", gitlint_rules.TitleTrailingPunctuation()),
    ("message.wip", gitlint_rules.TitleMustNotContainWord({"words": ["WIP"]})),
)
_GITLINT_BLANK_LINE: Final = gitlint_rules.BodyFirstLineEmpty()
_CONVENTIONAL_PREFIX: Final = re.compile(r"^[a-z]+(?:\([^)]*\))?!?: ")
_AUTOSQUASH_PREFIX: Final = re.compile(r"^(?:fixup|squash|amend)! ")


@dataclass(frozen=True)
class _GitlintMessage:  # the two attributes of gitlint's GitCommitMessage its rules read
    title: str
    body: list[str]


@dataclass(frozen=True)
class _GitlintCommit:
    message: _GitlintMessage


def _verb_forms() -> dict[str, str]:
    """Non-imperative forms of common verbs ("added", "fixes") -> the imperative ("Add")."""
    verbs = (
        "add",
        "allow",
        "avoid",
        "bump",
        "change",
        "clean",
        "correct",
        "create",
        "delete",
        "document",
        "enable",
        "ensure",
        "extract",
        "fix",
        "handle",
        "implement",
        "improve",
        "include",
        "initialise",
        "initialize",
        "introduce",
        "make",
        "move",
        "optimise",
        "optimize",
        "parse",
        "prevent",
        "refactor",
        "remove",
        "rename",
        "reorganise",
        "reorganize",
        "replace",
        "restructure",
        "revert",
        "rewrite",
        "simplify",
        "support",
        "switch",
        "tidy",
        "update",
        "upgrade",
        "use",
        "validate",
        "write",
    )
    noun_like = {"changes", "checks", "tests", "docs", "reverts", "supports", "uses"}
    forms: dict[str, str] = {
        "made": "Make",
        "wrote": "Write",
        "rewrote": "Rewrite",
        "dropped": "Drop",
        "dropping": "Drop",
        "splitting": "Split",
    }
    for verb in verbs:
        stem = verb[:-1] if verb.endswith("e") else verb
        candidates = {stem + "ed", stem + "ing", verb + "s", verb + "es"}
        if verb.endswith("y"):
            candidates |= {verb[:-1] + "ied", verb[:-1] + "ies"}
        forms.update(dict.fromkeys(candidates - noun_like - {verb}, verb.capitalize()))
    return forms


_NON_IMPERATIVE: Final = _verb_forms()


def _problems(commit: LogCommit, churn: int) -> list[tuple[str, str]]:
    """(rule, what is wrong) for one commit message."""
    if _AUTOSQUASH_PREFIX.match(commit.message):  # git wrote the subject; gitlint skips these too
        return [("message.fixup", "a fixup!/squash! commit left unsquashed")]
    return _gitlint_problems(commit) + _own_problems(commit, churn)


def _gitlint_problems(commit: LogCommit) -> list[tuple[str, str]]:
    lines = commit.message.rstrip("\n").split("\n")
    gl_commit = _GitlintCommit(_GitlintMessage(lines[0], lines[1:]))
    problems = []
    for rule, check in _GITLINT_TITLE_RULES:
        problems += [
            (rule, f"{v.message} [gitlint {v.rule_id}]")
            for v in check.validate(lines[0], gl_commit) or ()
        ]
    problems += [
        ("message.blank-line", f"no blank line after the subject [gitlint {v.rule_id}]")
        for v in _GITLINT_BLANK_LINE.validate(gl_commit) or ()
    ]
    return problems


def _own_problems(commit: LogCommit, churn: int) -> list[tuple[str, str]]:
    subject, _, body = commit.message.partition("\n")
    problems = []
    text = _CONVENTIONAL_PREFIX.sub("", subject, count=1)
    words = text.split()
    if len(words) == 1 and len(subject) >= MIN_SUBJECT:
        problems.append(("message.subject-short", "a one-word subject says too little"))
    if text[:1].islower() and text == subject:  # conventional commits are lower case
        problems.append(("message.subject-form", "the subject starts with a lower-case letter"))
    verb = words[0].lower() if words else ""
    if verb in _NON_IMPERATIVE:
        problems.append(
            (
                "message.imperative",
                f'write the subject in the imperative ("{_NON_IMPERATIVE[verb]}", '
                f'not "{words[0]}")',
            )
        )
    if (churn > BODY_NEEDED_CHURN or len(commit.changes) > BODY_NEEDED_FILES) and not body.strip():
        problems.append(
            (
                "message.body-missing",
                f"{churn} lines in {len(commit.changes)} files with no body to explain",
            )
        )
    return problems


def message_findings(history: History) -> list[Finding]:
    findings: list[Finding] = []
    clean = 0
    for commit in history.scored:
        problems: dict[str, list[str]] = {}  # one finding per rule and commit
        for rule, what in _problems(commit, history.churn[commit.sha]):
            problems.setdefault(rule, []).append(what)
        findings += [
            finding(rule, f"Commit {short(commit)}: {'; '.join(whats)}.", commit.sha)
            for rule, whats in problems.items()
        ]
        clean += not problems
    total = len(history.scored)
    findings.append(
        finding(
            "message.clean",
            f"{clean} of {total} commit messages follow the conventions.",
            scale=clean / total,
        )
    )
    return findings
