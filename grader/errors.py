"""The grader's one exception tree.

    GraderError
     ├─ BadInput              the caller's input is wrong: exit 2 / HTTP 4xx
     │   ├─ ChallengeInvalid  a manifest or challenge layout that cannot be used
     │   └─ RepositoryError   a submission that cannot be fetched (missing, refused URL, bad ref)
     └─ InfrastructureError   our side failed (Docker, git, Redis down, timeouts): exit 1 / HTTP 503

Foreign exceptions (docker.errors, git.exc, OSError from subprocesses) are
translated into this tree at the one module that talks to each foreign system
(engine.py, grader/git/), so callers only ever catch these.

A candidate's code failing is *never* an exception: it is a result, recorded in
the tests' outcomes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only a type: grader.challenge raises these
    from grader.challenge import Challenge


class GraderError(Exception):
    """Base of every error the grader raises on purpose."""


class BadInput(GraderError):
    """The request cannot be graded as given; retrying will not help."""


class ChallengeInvalid(BadInput):
    """A challenge whose manifest or layout is wrong.

    ``problems`` lists every problem found, one line each, so an author sees
    them all at once instead of fixing them one run at a time. ``runnable`` is
    the challenge as read when its problems still let its suite run (a skill's
    name misspelled, say), so validation goes on to find the suite's problems
    in the same pass; None otherwise.
    """

    def __init__(self, problems: list[str], runnable: Challenge | None = None) -> None:
        self.problems = problems
        self.runnable = runnable
        super().__init__("; ".join(problems) if problems else "invalid challenge")


class RepositoryError(BadInput):
    """A submission repository that is missing, refused, or has no such ref."""


class InfrastructureError(GraderError):
    """Our infrastructure failed; the same request may succeed later."""
