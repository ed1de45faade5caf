"""The one validator of what an invitation (or an extension of one) asks for.

The CLI and the API both pass their raw values through ``invitation_request``
and ``extension``, so a value one refuses the other refuses too, with the same
words: the CLI exits 2 with them, the API answers 422 with them. Every problem
is reported at once, as the manifest validation does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from grader.errors import BadInput
from grader.hosting.deadlines import LatePolicy, parse_duration
from grader.manifest_hints import did_you_mean

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_EMAIL = 320
# RFC 3339 with its zone spelled out: a moment without one would be read in the server's.
MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})")


class InvalidRequest(BadInput):
    """An invitation request with wrong values; ``problems`` names each one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class InvitationRequest:
    challenge: str
    candidate: str
    external_repo: str | None = None
    opens_at: datetime | None = None
    due_at: datetime | None = None
    duration: timedelta | None = None
    late: LatePolicy | None = None  # None: the challenge's default


def invitation_request(
    challenge: str,
    candidate: str,
    *,
    now: datetime,
    external_repo: str | None = None,
    opens_at: str | None = None,
    due_at: str | None = None,
    duration: str | None = None,
    late: str | None = None,
) -> InvitationRequest:
    """The request, checked; raises InvalidRequest listing every problem."""
    problems: list[str] = []
    if not challenge or len(challenge) > 100:
        problems.append("challenge: must be 1 to 100 characters")
    if len(candidate) > MAX_EMAIL or not EMAIL.fullmatch(candidate):
        problems.append(f"candidate: {candidate[:80]!r} is not an email address")
    if external_repo is not None and not 0 < len(external_repo) <= 2000:
        problems.append("external_repo: must be 1 to 2000 characters")
    opens = _moment("opens_at", opens_at, problems)
    due = _moment("due_at", due_at, problems)
    length = _duration("duration", duration, problems)
    policy = late_policy(late, problems)
    if due is not None and duration is not None:
        problems.append("due_at and duration: give one or the other, not both")
    if due is not None and opens is not None and due <= opens:
        problems.append("due_at: must be after opens_at")
    elif due is not None and due <= now:
        problems.append("due_at: must be in the future")
    if problems:
        raise InvalidRequest(problems)
    return InvitationRequest(challenge, candidate, external_repo, opens, due, length, policy)


@dataclass(frozen=True)
class Extension:
    by: timedelta | None = None
    to: datetime | None = None


def extension(by: str | None, to: str | None) -> Extension:
    """How a deadline is extended: ``by`` a duration or ``to`` a moment, one of the two."""
    problems: list[str] = []
    length = _duration("by", by, problems)
    moment = _moment("to", to, problems)
    if (by is None) == (to is None):
        problems.append("give either by (a duration such as 24h) or to (an RFC 3339 time)")
    if problems:
        raise InvalidRequest(problems)
    return Extension(length, moment)


def late_policy(value: str | None, problems: list[str]) -> LatePolicy | None:
    if value is None:
        return None
    if value not in {p.value for p in LatePolicy}:
        hint = did_you_mean(value, [p.value for p in LatePolicy])
        choices = " or ".join(repr(p.value) for p in LatePolicy)
        problems.append(f"late: {value[:40]!r} is not {choices}{hint}")
        return None
    return LatePolicy(value)


def _moment(name: str, value: str | None, problems: list[str]) -> datetime | None:
    if value is None:
        return None
    if not MOMENT.fullmatch(value):
        problems.append(
            f"{name}: {value[:40]!r} is not an RFC 3339 time with a zone, e.g. 2026-12-08T09:00:00Z"
        )
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, OverflowError):
        problems.append(f"{name}: {value[:40]!r} is not a valid date and time")
        return None
    if not 2000 <= moment.year <= 2100:  # a year past 9999 plus a duration would overflow
        problems.append(f"{name}: {value[:40]!r} is not between the years 2000 and 2100")
        return None
    return moment


def _duration(name: str, value: str | None, problems: list[str]) -> timedelta | None:
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as exc:
        problems.append(f"{name}: {exc}")
        return None
