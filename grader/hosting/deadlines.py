"""Time-boxed invitations: when an invitation opens, when it is due, and how late a push is.

Everything here is pure: it reads an invitation's window (anything shaped like
``Window``; the invitation row is) and a moment, and never the clock or the
database, so the pushes, the API and the round view all compute the same
deadline. ``clock()`` is the one place the hosting code asks the time; tests
replace it.

The rules (docs/contract.md, "Time-boxed invitations"):

- before ``opens_at`` nothing may be cloned or pushed;
- a fixed ``due_at`` is the deadline;
- otherwise a ``duration`` runs from ``opens_at`` when there is one, else from
  the candidate's first clone or push (``started_at``); until then the deadline
  is not known yet;
- a push after the deadline is refused, or accepted and recorded as late,
  as ``late_policy`` says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from grader.manifest_hints import did_you_mean
from grader.timestamps import rfc3339, utc

MAX_DURATION = timedelta(days=365)
DURATION = re.compile(r"(?:(?P<d>\d{1,3})d)?(?:(?P<h>\d{1,4})h)?(?:(?P<m>\d{1,5})m)?")
DURATION_HINT = "a whole number of days, hours and/or minutes, e.g. 72h, 3d, 90m or 1d12h"


class LatePolicy(StrEnum):
    """What a push after the deadline gets."""

    REFUSE = "refuse"
    ACCEPT_LATE = "accept-late"


DEFAULT_LATE_POLICY = LatePolicy.REFUSE


def clock() -> datetime:
    """Now, in UTC: the only clock the hosting code reads (tests replace this function)."""
    return datetime.now(UTC)


class Window(Protocol):
    """What the deadline of an invitation depends on (InvitationRow has these fields)."""

    opens_at: datetime | None
    due_at: datetime | None
    duration_s: int | None
    started_at: datetime | None
    late_policy: str


@dataclass(frozen=True)
class Deadline:
    """An invitation's window at a given moment."""

    opens_at: datetime | None
    due_at: datetime | None  # None: no deadline, or its clock has not started yet
    duration: timedelta | None  # the time the candidate is given, when it is a duration
    late_policy: LatePolicy
    now: datetime

    @property
    def known(self) -> bool:
        return self.due_at is not None

    @property
    def open(self) -> bool:
        return self.opens_at is None or self.now >= self.opens_at

    @property
    def passed(self) -> bool:
        return self.due_at is not None and self.now > self.due_at

    @property
    def time_left(self) -> timedelta | None:
        """Until the deadline (negative once it has passed); None when there is none yet."""
        return None if self.due_at is None else self.due_at - self.now

    def to_json(self) -> dict[str, Any]:
        left = self.time_left
        return {
            "opens_at": rfc3339(self.opens_at) if self.opens_at else None,
            "due_at": rfc3339(self.due_at) if self.due_at else None,
            "duration": format_duration(self.duration) if self.duration else None,
            "late_policy": self.late_policy.value,
            "seconds_left": None if left is None else max(int(left.total_seconds()), 0),
            "passed": self.passed,
        }


def deadline_of(window: Window, now: datetime) -> Deadline:
    """The effective deadline of an invitation at ``now`` (timezone-aware)."""
    opens = utc(window.opens_at) if window.opens_at else None
    duration = timedelta(seconds=window.duration_s) if window.duration_s else None
    due: datetime | None = utc(window.due_at) if window.due_at else None
    if due is None and duration is not None:
        start = opens or (utc(window.started_at) if window.started_at else None)
        due = start + duration if start else None
    return Deadline(opens, due, duration, LatePolicy(window.late_policy), utc(now))


def time_left(window: Window, now: datetime) -> timedelta | None:
    """Until the invitation's deadline (negative once passed); None if it has none yet."""
    return deadline_of(window, now).time_left


# -- durations ----------------------------------------------------------------------------------
def parse_duration(text: str) -> timedelta:
    """``72h``, ``3d``, ``90m``, ``1d12h``; raises ValueError saying what is expected."""
    match = DURATION.fullmatch(text.strip()) if isinstance(text, str) else None
    if not text or match is None or not any(match.groupdict().values()):
        raise ValueError(f"{str(text)[:40]!r} is not {DURATION_HINT}")
    parts = {k: int(v or 0) for k, v in match.groupdict().items()}
    value = timedelta(days=parts["d"], hours=parts["h"], minutes=parts["m"])
    if not timedelta(0) < value <= MAX_DURATION:
        raise ValueError(f"{text!r} must be more than 0 and at most 365d")
    return value


def format_duration(value: timedelta) -> str:
    """The shortest of parse_duration's forms for whole minutes (``3d``, ``1d12h``, ``90m``)."""
    minutes = max(int(value.total_seconds()) // 60, 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    text = (f"{days}d" if days else "") + (f"{hours}h" if hours else "")
    return text + (f"{mins}m" if mins or not text else "")


def human_left(left: timedelta) -> str:
    """``2d 3h 4m``, ``59m 59s``: for a candidate's terminal."""
    seconds = max(int(left.total_seconds()), 0)
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    if days or hours:
        return " ".join(f"{n}{u}" for n, u in ((days, "d"), (hours, "h"), (minutes, "m")) if n)
    return f"{minutes}m {seconds}s" if minutes else f"{seconds}s"


# -- what a candidate reads ---------------------------------------------------------------------
def readme_line(deadline: Deadline) -> str | None:
    """One line for the seeded README: the deadline when it is known at invitation time."""
    if deadline.due_at is not None:
        line = f"Deadline: {rfc3339(deadline.due_at)} (UTC)."
    elif deadline.duration is not None:
        line = f"Deadline: {format_duration(deadline.duration)} from your first clone."
    else:
        return None
    if deadline.opens_at is not None:
        line += f" Opens at {rfc3339(deadline.opens_at)} (UTC)."
    if deadline.late_policy == LatePolicy.REFUSE:
        return line + " A push after the deadline is refused."
    return line + " A push after the deadline is accepted and marked late."


def push_note(deadline: Deadline) -> str | None:
    """The ``remote:`` line an accepted push gets: the time left, or that it is late."""
    if deadline.due_at is None:
        return None
    due = rfc3339(deadline.due_at)
    if deadline.passed:
        return f"grader: this push is late: the deadline was {due}; it is recorded as late\n"
    assert deadline.time_left is not None
    return f"grader: {human_left(deadline.time_left)} left until the deadline, {due}\n"


def late_refusal(deadline: Deadline) -> str:
    """Why a late push is refused: one line, git puts it in ``[remote rejected] (...)``."""
    assert deadline.due_at is not None
    return f"the deadline passed at {rfc3339(deadline.due_at)}; pushes are no longer accepted"


def not_open_reason(deadline: Deadline) -> str:
    assert deadline.opens_at is not None
    return f"this invitation opens at {rfc3339(deadline.opens_at)}; come back then"


# -- a challenge's default, from its manifest ---------------------------------------------------
@dataclass(frozen=True)
class DeadlineDefaults:
    """``[deadline]`` in challenge.toml: what an invitation gets unless it says otherwise."""

    duration: timedelta | None = None
    late: LatePolicy = DEFAULT_LATE_POLICY


DEFAULTS_KEYS = frozenset({"duration", "late"})


def parse_defaults(table: dict[str, Any], manifest: str, problems: list[str]) -> DeadlineDefaults:
    """``[deadline]``'s values (its unknown keys are the manifest parser's to report)."""
    duration = None
    raw = table.get("duration")
    if raw is not None:
        try:
            duration = parse_duration(raw if isinstance(raw, str) else repr(raw))
        except ValueError as exc:
            problems.append(f"{manifest}: deadline.duration: {exc}")
    late = table.get("late", DEFAULT_LATE_POLICY.value)
    if late not in {p.value for p in LatePolicy}:
        hint = did_you_mean(str(late), [p.value for p in LatePolicy])
        problems.append(
            f"{manifest}: deadline.late: {late!r} is not one of "
            f"{', '.join(repr(p.value) for p in LatePolicy)}{hint}"
        )
        late = DEFAULT_LATE_POLICY.value
    return DeadlineDefaults(duration, LatePolicy(late))
