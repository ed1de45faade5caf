"""The deadline of an invitation at a moment: pure, from its window alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from grader.hosting.deadlines import (
    LatePolicy,
    deadline_of,
    format_duration,
    human_left,
    parse_duration,
    push_note,
    readme_line,
    time_left,
)

T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


@dataclass
class Window:
    opens_at: datetime | None = None
    due_at: datetime | None = None
    duration_s: int | None = None
    started_at: datetime | None = None
    late_policy: str = "refuse"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("72h", timedelta(hours=72)),
        ("3d", timedelta(days=3)),
        ("90m", timedelta(minutes=90)),
        ("1d12h", timedelta(days=1, hours=12)),
        (" 2h30m ", timedelta(hours=2, minutes=30)),
        ("365d", timedelta(days=365)),
    ],
)
def test_durations_are_days_hours_and_minutes(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert parse_duration(format_duration(expected)) == expected


@pytest.mark.parametrize(
    "text", ["", "72", "h", "72 h", "3.5h", "-1h", "0h", "12h1d", "1w", "366d", "72H", "1e3h"]
)
def test_anything_else_is_refused_with_what_is_expected(text: str) -> None:
    with pytest.raises(ValueError, match=r"72h, 3d, 90m or 1d12h|more than 0 and at most 365d"):
        parse_duration(text)


def test_a_fixed_due_at_is_the_deadline() -> None:
    window = Window(due_at=T0 + timedelta(hours=2))
    deadline = deadline_of(window, T0)
    assert (deadline.due_at, deadline.open, deadline.passed) == (
        T0 + timedelta(hours=2),
        True,
        False,
    )
    assert time_left(window, T0 + timedelta(hours=2, seconds=1)) == timedelta(seconds=-1)
    assert deadline_of(window, T0 + timedelta(hours=2)).passed is False  # the last second is in
    assert deadline_of(window, T0 + timedelta(hours=2, seconds=1)).passed is True


def test_a_duration_runs_from_opens_at_else_from_the_first_clone() -> None:
    opened = Window(opens_at=T0, duration_s=3600, started_at=T0 + timedelta(minutes=30))
    assert deadline_of(opened, T0).due_at == T0 + timedelta(hours=1)
    assert deadline_of(opened, T0 - timedelta(seconds=1)).open is False

    waiting = Window(duration_s=3600)
    assert deadline_of(waiting, T0).due_at is None and time_left(waiting, T0) is None
    started = Window(duration_s=3600, started_at=T0 + timedelta(minutes=5))
    assert deadline_of(started, T0).due_at == T0 + timedelta(minutes=65)


def test_no_window_means_always_open_and_never_due() -> None:
    deadline = deadline_of(Window(), T0)
    assert deadline.open and not deadline.passed and deadline.time_left is None
    assert push_note(deadline) is None and readme_line(deadline) is None


def test_a_naive_moment_from_sqlite_is_utc() -> None:
    window = Window(due_at=datetime(2026, 12, 5, 10, 0))
    assert time_left(window, T0) == timedelta(hours=1)


def test_what_the_candidate_reads() -> None:
    due = Window(due_at=T0 + timedelta(days=1, hours=2, minutes=3), late_policy="accept-late")
    deadline = deadline_of(due, T0)
    assert push_note(deadline) == "grader: 1d 2h 3m left until the deadline, 2026-12-06T11:03:00Z\n"
    assert readme_line(deadline) == (
        "Deadline: 2026-12-06T11:03:00Z (UTC). "
        "A push after the deadline is accepted and marked late."
    )
    late = deadline_of(due, T0 + timedelta(days=2))
    assert push_note(late) == (
        "grader: this push is late: the deadline was 2026-12-06T11:03:00Z; it is recorded as late\n"
    )
    assert readme_line(deadline_of(Window(duration_s=72 * 3600), T0)) == (
        "Deadline: 3d from your first clone. A push after the deadline is refused."
    )
    assert deadline.late_policy == LatePolicy.ACCEPT_LATE
    assert [human_left(timedelta(seconds=s)) for s in (59, 61, 3600, -5)] == [
        "59s",
        "1m 1s",
        "1h",
        "0s",
    ]
    assert deadline.to_json() == {
        "opens_at": None,
        "due_at": "2026-12-06T11:03:00Z",
        "duration": None,
        "late_policy": "accept-late",
        "seconds_left": 93780,
        "passed": False,
    }
