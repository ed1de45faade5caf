"""What ``git push`` prints after a push: what was queued, then the result the policy allows.

The receive-pack answer is streamed: the lines about the push, git's own
report-status, then (when a grading of ``main`` reached the queue) a bounded
wait for it, with a ``remote:`` progress line every ``push_keepalive_s`` so
neither git nor a proxy gives up on a silent connection. Once the grading is
stored the answer ends with what ``grader.candidate_feedback.view_of`` allows;
past ``push_feedback_wait_s`` it ends with a link to the candidate page. Lines
go on sideband channel 2, which git prints as ``remote: ...`` even after the
report (as it does a post-receive hook's output); a client that asked for no
sideband gets git's report alone.

Every text a candidate's code could have written (a visible test's message) is
stripped of control characters here: it ends up in the candidate's terminal.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

from grader import submissions
from grader.candidate_feedback import view_of
from grader.config import Settings
from grader.feedback import CandidateView, Policy
from grader.git.pktline import FLUSH, PushRequest
from grader.hosting.repositories import DEFAULT_BRANCH
from grader.store import repo
from grader.store.db import session_scope

PREFIX = "grader: "
MESSAGE_LINES = 6  # of each visible test's message
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Pushed:
    """What a push changed that its pusher hears about."""

    submission: str | None = None  # the submission of the new main, if main moved
    commit: str | None = None
    queued: bool = False  # it reached the queue: a worker will take it
    held: str | None = None  # why it is stored but not graded
    ungraded: tuple[str, ...] = ()  # the other refs it moved (not graded)
    # The deadline's lines (grader/hosting/gate.py): time left, or late; each ends in "\n".
    notes: tuple[str, ...] = ()


def candidate_page(settings: Settings) -> str:
    return f"{settings.public_url.rstrip('/')}/candidate"


def reply(
    settings: Settings, request: PushRequest, report: bytes, pushed: Pushed
) -> Iterator[bytes]:
    """The receive-pack answer: ``report`` (git's own) wrapped in the grader's lines."""
    if request.sideband_limit() is None or not report.endswith(FLUSH):
        yield report  # no channel to talk on: git's report alone
        return
    yield request.band(2, _lines(push_lines(pushed)) + "".join(pushed.notes).encode())
    yield report[: -len(FLUSH)]  # the final flush ends the answer: it comes last
    if pushed.submission is not None and pushed.held is None:
        for lines in wait_lines(settings, pushed):
            yield request.band(2, _lines(lines))
    yield FLUSH


def push_lines(pushed: Pushed) -> list[str]:
    lines = [
        f"{ref.removeprefix('refs/heads/')} is not graded: only pushes to {DEFAULT_BRANCH} are"
        for ref in pushed.ungraded
    ]
    if pushed.submission is not None:
        what = f"{(pushed.commit or '')[:12]} on {DEFAULT_BRANCH}"
        if pushed.held is not None:
            lines.append(f"{what} received ({pushed.submission}), {pushed.held}")
        else:
            lines.append(f"{what} queued for grading ({pushed.submission})")
    return lines


def wait_lines(settings: Settings, pushed: Pushed) -> Iterator[list[str]]:
    """Progress while the grading runs, then its result (or where to find it later)."""
    assert pushed.submission is not None
    link = candidate_page(settings)
    limit = settings.push_feedback_wait_s
    if not pushed.queued or limit <= 0:
        yield [f"the result will be on {link}"]
        return
    yield [f"waiting up to {limit:.0f} s for the grading (Ctrl-C stops the wait, not the grading)"]
    start = time.monotonic()
    while (elapsed := time.monotonic() - start) < limit:
        step = min(settings.push_keepalive_s, limit - elapsed)
        if submissions.wait_until_final(settings, pushed.submission, step):
            view = _view(settings, pushed.submission)
            # Gone: its candidate's data was erased while the push waited (grader/erasure.py).
            yield result_lines(view, link) if view else ["this submission is no longer stored"]
            return
        if time.monotonic() - start - elapsed < step / 2:
            time.sleep(step / 2)  # too many waiters: the wait returned at once
        yield [f"still grading ({time.monotonic() - start:.0f} s)"]
    yield [f"not graded within {limit:.0f} s; the result will be on {link}"]


def _view(settings: Settings, submission_id: str) -> CandidateView | None:
    with session_scope(settings.effective_database_url) as session:
        row = repo.get_submission(session, submission_id)
        return None if row is None else view_of(session, row)


def result_lines(view: CandidateView, link: str) -> list[str]:
    """A final grading as its policy allows it to be told."""
    if view.status == "error":
        return [f"the grading of {view.id} ended in an error; the reviewers can see why"]
    if view.policy == Policy.NONE or view.overall is None:
        return [f"{view.id} is graded; this challenge shows no scores to candidates"]
    tampered = " (the test run was tampered with)" if view.status == "tampered" else ""
    lines = [f"graded: {view.overall:.1f} / 100{tampered}"]
    width = max((len(name) for name in view.skills or {}), default=0)
    lines += [f"  {name:<{width}}  {score:5.1f}" for name, score in (view.skills or {}).items()]
    if view.tests is not None:
        passed = sum(t.outcome == "passed" for t in view.tests)
        lines.append(f"visible tests: {passed} of {len(view.tests)} passed")
        for test in view.tests:
            lines.append(f"  {test.outcome:<7} {test.id}")
            message = [m for m in test.message.splitlines() if m.strip()][:MESSAGE_LINES]
            lines += [f"          {m[:200]}" for m in message]
    lines.append(f"details: {link}")
    return lines


def _lines(lines: list[str]) -> bytes:
    return "".join(f"{PREFIX}{CONTROL.sub('', line)}\n" for line in lines).encode()
