"""The round view (the dashboard): every candidate of every challenge, pushed or not.

A round is one challenge: one entry per invited candidate (an invitation), also
before their first push, and one per other candidate or repository that
submitted (through the API). An entry shows the candidate's latest submission,
how many they made, the time they have left and the current decision (the
newest recorded about the candidate or any of their submissions). Entries are
filtered and sorted here, from query parameters, so the page works without
JavaScript. Challenges with activity (a submission or an invitation) come
first, the most recently active first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from api.identity import Identities
from api.presenters import STATUS_ORDER, Column
from grader.clusters import clusters_for_challenge
from grader.hosting import deadlines
from grader.store import decisions, repo
from grader.store.models import ChallengeRow, DecisionRow, InvitationRow, Verdict
from grader.store.results import Result, challenge_results, skill_names
from grader.timestamps import utc

INVITED = "invited"  # the status of an invited candidate who has not pushed yet
NO_DECISION = "none"
SORTS = ("candidate", "status", "overall", "decision", "submitted", "time_left")
DECISION_ORDER = {Verdict.ADVANCE: 0, Verdict.HOLD: 1, Verdict.REJECT: 2}


def time_left_text(invitation: InvitationRow | None, now: datetime) -> str | None:
    """How long a candidate has left ("2d 4h 10m left"), that the deadline passed, how long
    they will have once their clock starts; None without a deadline."""
    if invitation is None:
        return None
    deadline = deadlines.deadline_of(invitation, now)
    if deadline.time_left is None:
        if deadline.duration is None:
            return None
        return f"{deadlines.format_duration(deadline.duration)} from the first clone"
    if deadline.passed:
        return "deadline passed"
    return f"{deadlines.human_left(deadline.time_left)} left"


def seconds_left(invitation: InvitationRow | None, now: datetime) -> float | None:
    """What the "time left" column sorts by: seconds until the deadline, None without one."""
    left = deadlines.time_left(invitation, now) if invitation is not None else None
    return None if left is None else left.total_seconds()


@dataclass
class Entry:
    candidate: str  # the email, or the repository for a submission without one
    invitation: InvitationRow | None
    latest: Result | None
    attempts: int
    decision: DecisionRow | None
    time_left: str | None
    seconds_left: float | None = None
    # The similarity cluster (1: the closest) one of the candidate's submissions is in:
    # evidence for a reviewer, never a score (grader/clusters.py).
    cluster: int | None = None

    @property
    def status(self) -> str:
        return self.latest.status if self.latest else INVITED

    @property
    def overall(self) -> float | None:
        return self.latest.overall if self.latest else None

    @property
    def skills(self) -> dict[str, float]:
        return self.latest.skills if self.latest else {}

    @property
    def submission(self) -> str | None:
        return self.latest.submission if self.latest else None


@dataclass
class Round:
    challenge: ChallengeRow
    skills: list[str]
    entries: list[Entry]  # those the filters keep
    candidates: int  # before the filters
    submissions: int
    last_activity: datetime | None = field(default=None)


@dataclass(frozen=True)
class Filters:
    """What the round view is narrowed to; empty strings keep everything."""

    status: str = ""  # a submission status, or "invited" (not pushed yet)
    decision: str = ""  # advance, hold, reject, or "none" (not decided)
    q: str = ""  # a part of the candidate's email or repository
    challenge: str = ""

    @property
    def active(self) -> bool:
        return bool(self.status or self.decision or self.q)

    def keeps(self, entry: Entry) -> bool:
        if self.status and entry.status != self.status:
            return False
        verdict = entry.decision.verdict if entry.decision else NO_DECISION
        if self.decision and verdict != self.decision:
            return False
        return not self.q or self.q.lower() in entry.candidate.lower()


# -- building a round ----------------------------------------------------------------------
def entries(
    session: Session,
    ids: Identities,
    challenge_id: str,
    now: datetime,
    clusters: dict[str, int] | None = None,
) -> tuple[list[Entry], int]:
    """Every candidate of a challenge as ``ids`` shows them (a pseudonym under blind review),
    and how many submissions the challenge has."""
    results = challenge_results(session, challenge_id)  # newest first
    current = decisions.current_decisions(session, challenge_id)
    by_key: dict[str, list[Result]] = {}
    for result in results:
        by_key.setdefault(result.candidate or f"repo:{result.repo}", []).append(result)
    keys = [*by_key]
    keys += [email for email in current.invited if email not in by_key]
    out = []
    for key in keys:
        mine = by_key.get(key, [])
        invitation = current.invitation_of(key)
        found = [current.of_candidate(key), *(current.of_submission(r.submission) for r in mine)]
        # Grouped and decided by the real identity, then shown as the viewer may see it.
        latest = ids.result(challenge_id, mine[0])[0] if mine else None
        shown = ids.of(challenge_id, key, "") if not mine else None
        out.append(
            Entry(
                candidate=(latest.candidate or latest.repo)
                if latest
                else (shown.name if shown else key),
                invitation=invitation,
                latest=latest,
                attempts=len(mine),
                decision=decisions.newest(found),
                time_left=time_left_text(invitation, now),
                seconds_left=seconds_left(invitation, now),
                cluster=min(
                    (c for r in mine if (c := (clusters or {}).get(r.submission))), default=None
                ),
            )
        )
    return out, len(results)


def sort_entries(rows: list[Entry], sort: str, order: str) -> list[Entry]:
    """By one column; an entry without a value for it is always last, whatever the order."""

    def key(e: Entry) -> Any:
        if sort == "candidate":
            return e.candidate.lower()
        if sort == "status":
            return STATUS_ORDER.get(e.status, 9)
        if sort == "overall":
            return e.overall
        if sort == "decision":
            return DECISION_ORDER.get(Verdict(e.decision.verdict)) if e.decision else None
        if sort == "time_left":
            return e.seconds_left
        if sort.startswith("skill:"):
            return e.skills.get(sort.removeprefix("skill:"))
        return e.latest.submitted_at if e.latest else None

    known = [e for e in rows if key(e) is not None]
    unknown = [e for e in rows if key(e) is None]
    return sorted(known, key=key, reverse=order == "desc") + unknown


def cluster_numbers(session: Session, challenge_id: str) -> dict[str, int]:
    """Each submission in a cluster above the challenge's similarity threshold, and its
    cluster's number (1: the one with the closest pair)."""
    found = clusters_for_challenge(session, challenge_id)
    return {sid: n for n, cluster in enumerate(found, start=1) for sid in cluster.ids}


def _activity(rows: list[Entry]) -> datetime | None:
    moments = [utc(e.latest.submitted_at) for e in rows if e.latest]
    moments += [utc(e.invitation.created_at) for e in rows if e.invitation]
    return max(moments) if moments else None


def rounds(
    session: Session, ids: Identities, sort: str, order: str, filters: Filters, now: datetime
) -> list[Round]:
    """The challenges' rounds, those with activity first (the most recent first)."""
    out = []
    for challenge in repo.list_challenges(session):
        if filters.challenge and challenge.id != filters.challenge:
            continue
        rows, submissions = entries(
            session, ids, challenge.id, now, cluster_numbers(session, challenge.id)
        )
        kept = sort_entries([e for e in rows if filters.keeps(e)], sort, order)
        skills = skill_names(session, challenge.id, [e.latest for e in rows if e.latest])
        out.append(Round(challenge, skills, kept, len(rows), submissions, _activity(rows)))
    idle = [r for r in out if r.last_activity is None]
    active = sorted(
        (r for r in out if r.last_activity is not None),
        key=lambda r: r.last_activity or now,
        reverse=True,
    )
    return active + idle


def decide_columns(session: Session, challenge_id: str, columns: list[Column]) -> None:
    """Each compared submission's current decision (its own, or its candidate's if newer)."""
    current = decisions.current_decisions(session, challenge_id)
    for column in columns:
        column.decision = decisions.newest(
            [
                current.of_submission(column.row.id),
                current.of_candidate(column.row.candidate_email),
            ]
        )
