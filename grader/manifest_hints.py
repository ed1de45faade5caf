"""Hints that help an author fix a manifest: "did you mean" suggestions and TOML errors
explained.

Pure functions of the manifest's text and the suite's test IDs. A suggestion is
given only where one is likely (a close match, by difflib's ratio), and is
quoted as TOML writes a string, so the author can paste it.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath

WILDCARD = re.compile(r"[*?\[]")
POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")
BARE_WORD = re.compile(r"[A-Za-z_][\w-]*")
CUTOFF = 0.75  # difflib's ratio from which a suggestion is likely: "programing" 0.95


def quoted(text: str) -> str:
    """``text`` as a TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean "x"?)`` for the closest choice, or "" when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=CUTOFF)
    return f" (did you mean {quoted(close[0])}?)" if close else ""


def corrected_glob(
    glob: str, test_ids: Iterable[str], matches: Callable[[str, str], bool]
) -> str | None:
    """The glob the author probably meant, if ``glob`` matches no test but a close one does.

    Each ``::`` part is corrected in turn against the same part of the test IDs
    (the last part against the rest of the ID, as ``*`` spans ``::``): a literal
    part against whole parts, a part with wildcards by its literal prefix.
    """
    parts = glob.split("::")
    pool = [test_id.split("::") for test_id in test_ids]
    fixed: list[str] = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        pool = [ids for ids in pool if len(ids) > index]
        segments = {_segment(ids, index, last) for ids in pool}
        if not any(matches(segment, part) for segment in segments):
            part = _closest_part(part, segments) or ""
            if not part:
                return None
        pool = [ids for ids in pool if matches(_segment(ids, index, last), part)]
        fixed.append(part)
    return "::".join(fixed) if pool else None


def _segment(parts: list[str], index: int, last: bool) -> str:
    return "::".join(parts[index:]) if last else parts[index]


def _closest_part(part: str, segments: set[str]) -> str | None:
    literal = WILDCARD.split(part, maxsplit=1)[0]
    rest = part[len(literal) :]
    if not rest:
        candidates = segments
    else:  # compare the prefix with prefixes of about its length (a typo adds or drops one)
        sizes = range(max(1, len(literal) - 2), len(literal) + 3)
        candidates = {segment[:size] for segment in segments for size in sizes}
    # File names are compared by their stems ("hidden/test_" and ".py", shared by every
    # test file, would make any two alike), ties broken by the whole text.
    scored = [(_ratio(_stem(literal), _stem(c)), _ratio(literal, c), c) for c in candidates]
    score, _whole, best = max(scored, default=(0.0, 0.0, ""))
    return best + rest if score >= CUTOFF else None


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def _stem(text: str) -> str:
    return PurePosixPath(text).stem if "/" in text else text


def toml_problem(text: str, exc: tomllib.TOMLDecodeError) -> str:
    """tomllib's reason, where it stands (line, column, the line itself), and a likely fix."""
    message = str(exc)
    found = POSITION.search(message)
    cause = message[: found.start()] if found else message
    if not found or found.group(1) is None:
        return f"{cause} at the end of the file"
    line_no, column = int(found.group(1)), int(found.group(2))
    lines = text.splitlines()
    line = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
    return f"{cause} at line {line_no}, column {column}: {line.strip()}{_fix(cause, line, column)}"


def _fix(cause: str, line: str, column: int) -> str:
    if cause == "Illegal character '\\n'" and line.count('"') % 2:
        return " (a string is not closed on its line)"
    if cause == "Invalid value":
        word = BARE_WORD.match(line[column - 1 :])
        if word and word.group() not in ("true", "false", "inf", "nan"):
            return f" (a string needs quotes: {quoted(word.group())})"
    if cause.startswith("Cannot overwrite a value"):
        return " (a key is set twice in the same table)"
    return ""
