"""Secrets in text: the patterns, and masking so that no report ever repeats one.

detect-secrets was tried in-process and left out: its ad hoc `scan_line` mutates
global settings on every call, costs about 0.7 ms a line (seconds for an
ordinary history) and, in that mode, reports most identifiers as high-entropy
strings. These patterns cover what the rubric names (cloud and chat tokens,
private keys, passwords and API keys with high-entropy values) and run as a
handful of compiled regular expressions over each blob.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class SecretPattern:
    kind: str
    regex: re.Pattern[str]
    shown: int  # leading characters that are a public format prefix, safe to print
    generic: bool  # a name = value guess: needs an entropy and placeholder check


@dataclass(frozen=True)
class SecretHit:
    kind: str
    value: str
    line: int
    masked: str
    name: str | None  # the variable or key it was assigned to, for name = value guesses


# The words a secret's name ends with ("DB_PASSWORD", "stripe_api_key", "auth_token").
_KEYWORD = (
    r"(?:password|passwd|pwd|secret[_-]?key|secret|api[_-]?key|access[_-]?key"
    r"|private[_-]?key|token)"
)
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")

PATTERNS: Final[tuple[SecretPattern, ...]] = (
    SecretPattern(
        "AWS access key ID", re.compile(r"\b(?P<value>(?:AKIA|ASIA)[0-9A-Z]{16})\b"), 4, False
    ),
    SecretPattern(
        "AWS secret access key",
        re.compile(
            r"(?i)aws_secret_access_key\W{0,4}[=:]\s*[\"']?"
            r"(?P<value>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"
        ),
        0,
        False,
    ),
    SecretPattern(
        "private key",
        # the start of the body too, so that two different keys count twice
        re.compile(
            r"(?P<value>-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
            r"\s+[^-\s][^-]{15,63})"
        ),
        len("-----BEGIN"),
        False,
    ),
    SecretPattern(
        "GitHub token",
        re.compile(
            r"\b(?P<value>gh[pousr]_[A-Za-z0-9]{36,255}"
            r"|github_pat_[A-Za-z0-9_]{60,255})\b"
        ),
        4,
        False,
    ),
    SecretPattern(
        "Slack token", re.compile(r"\b(?P<value>xox[abposr]-[A-Za-z0-9-]{10,250})"), 5, False
    ),
    SecretPattern(
        "Slack webhook",
        re.compile(
            r"(?P<value>https://hooks\.slack\.com/services/"
            r"T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+)"
        ),
        29,
        False,
    ),
    SecretPattern(
        "Stripe live key", re.compile(r"\b(?P<value>[rs]k_live_[0-9A-Za-z]{20,99})\b"), 8, False
    ),
    SecretPattern(
        "Google API key",
        re.compile(r"\b(?P<value>AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])"),
        4,
        False,
    ),
    # name = "value" in code, JSON, YAML, TOML... Anchored on the keyword, not the name's
    # start: a search that tries a name at every word boundary is ten times slower.
    SecretPattern(
        "password or API key",
        re.compile(
            rf"(?i)(?P<key>{_KEYWORD})[\"']?\s*(?::=|=>|==|[:=])\s*"
            r"[rbuf]?[\"'](?P<value>[^\"'\s]{10,200})[\"']"
        ),
        0,
        True,
    ),
    # NAME=value in .env and other config files (not code: there it is an expression)
    SecretPattern(
        "password or API key",
        re.compile(
            rf"(?im)^\s*(?:export\s+)?[A-Za-z0-9_.-]*?(?P<key>{_KEYWORD})\s*[:=]\s*"
            r"(?P<value>[^\s\"'#,;(){}<>$]{10,200})\s*$"
        ),
        0,
        True,
    ),
)
_UNQUOTED = PATTERNS[-1]
# A text with none of these cannot match any pattern: one search instead of ten.
_TRIGGER: Final = re.compile(
    r"(?i)AKIA|ASIA|aws_secret|PRIVATE KEY|gh[pousr]_|github_pat_|xox|hooks\.slack|_live_|AIza"
    r"|pass|pwd|secret|key|token"
)

MIN_ENTROPY: Final = 3.5  # bits per character; random tokens run 4 and up, words below 3.5
_PLACEHOLDERS = (
    "example",
    "changeme",
    "change_me",
    "placeholder",
    "your",
    "dummy",
    "sample",
    "fake",
    "test",
    "xxxx",
    "redacted",
    "secret",
    "password",
    "todo",
    "none",
    "null",
)
_DOTTED_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")


def find_secrets(text: str, *, code_file: bool, test_file: bool) -> list[SecretHit]:
    """Every secret in ``text``, once per value.

    Name = value guesses are skipped in test files (fixtures are full of fake
    passwords) and, unquoted, in code files, where the value is an expression.
    """
    hits: dict[str, SecretHit] = {}
    if not _TRIGGER.search(text):
        return []
    for pattern in PATTERNS:
        if (pattern.generic and test_file) or (pattern is _UNQUOTED and code_file):
            continue
        for match in pattern.regex.finditer(text):
            value = match.group("value")
            if value in hits or not _plausible(pattern, value):
                continue
            line = text.count("\n", 0, match.start()) + 1
            name = _name_before(text, match.end("key")) if pattern.generic else None
            hits[value] = SecretHit(pattern.kind, value, line, mask(value, pattern.shown), name)
    return sorted(hits.values(), key=lambda hit: hit.line)


def _name_before(text: str, end: int) -> str:
    """The whole name that ends where the keyword ends."""
    start = end
    while start > 0 and text[start - 1] in _NAME_CHARS:
        start -= 1
    return text[start:end]


def _plausible(pattern: SecretPattern, value: str) -> bool:
    lowered = value.lower()
    if "example" in lowered:  # AWS's own documentation keys end in EXAMPLE
        return False
    if not pattern.generic:
        return True
    return (
        not any(word in lowered for word in _PLACEHOLDERS)
        and not _DOTTED_NAME.fullmatch(value)
        and entropy(value) >= MIN_ENTROPY
    )


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def mask(value: str, shown: int) -> str:
    """A public format prefix at most, then the length: enough to find it, not to use it."""
    return f"{value[:shown]}… ({len(value)} characters)"
