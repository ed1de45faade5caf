"""The one validator of invitation requests, shared by the CLI and the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from grader.errors import BadInput
from grader.hosting.deadlines import LatePolicy
from grader.hosting.terms import InvalidRequest, extension, invitation_request

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def test_a_full_request_is_parsed() -> None:
    request = invitation_request(
        "word-frequency",
        "ada@example.com",
        now=NOW,
        opens_at="2026-12-06T09:00:00+01:00",
        duration="72h",
        late="accept-late",
    )
    assert request.opens_at == datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
    assert request.duration == timedelta(hours=72) and request.late == LatePolicy.ACCEPT_LATE
    assert request.due_at is None


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(InvalidRequest) as caught:
        invitation_request(
            "",
            "bad",
            now=NOW,
            opens_at="2026-12-06 09:00",
            due_at="2026-12-01T00:00:00Z",
            duration="72",
            late="late",
        )
    assert isinstance(caught.value, BadInput)
    assert caught.value.problems == [
        "challenge: must be 1 to 100 characters",
        "candidate: 'bad' is not an email address",
        "opens_at: '2026-12-06 09:00' is not an RFC 3339 time with a zone, "
        "e.g. 2026-12-08T09:00:00Z",
        "duration: '72' is not a whole number of days, hours and/or minutes, "
        "e.g. 72h, 3d, 90m or 1d12h",
        "late: 'late' is not 'refuse' or 'accept-late'",
        "due_at and duration: give one or the other, not both",
        "due_at: must be in the future",
    ]


@pytest.mark.parametrize(
    ("window", "problem"),
    [
        ({"due_at": "2026-12-05T10:00:00"}, "not an RFC 3339 time with a zone"),
        ({"due_at": "2026-13-05T10:00:00Z"}, "not a valid date and time"),
        (
            {"opens_at": "2026-12-07T00:00:00Z", "due_at": "2026-12-06T00:00:00Z"},
            "due_at: must be after opens_at",
        ),
        ({"late": "accept_late"}, 'did you mean "accept-late"?'),
    ],
)
def test_windows_that_make_no_sense_are_refused(window: dict[str, str], problem: str) -> None:
    with pytest.raises(InvalidRequest, match=problem):
        invitation_request("word-frequency", "ada@example.com", now=NOW, **window)


def test_an_extension_is_by_a_duration_or_to_a_moment() -> None:
    assert extension("24h", None).by == timedelta(hours=24)
    assert extension(None, "2026-12-09T00:00:00Z").to == datetime(2026, 12, 9, tzinfo=UTC)
    for by, to in ((None, None), ("1h", "2026-12-09T00:00:00Z"), ("soon", None)):
        with pytest.raises(InvalidRequest):
            extension(by, to)


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59"])
def test_moments_out_of_any_round_are_refused_before_they_overflow(moment: str) -> None:
    with pytest.raises(InvalidRequest, match=r"not between the years 2000 and 2100|not a valid"):
        invitation_request("wf", "ada@example.com", now=NOW, opens_at=moment, duration="365d")
