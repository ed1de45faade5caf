"""A submission's closest others, from the stored comparisons: what the report page, the
API (``GET /api/submissions/{id}/similar``) and ``grader similar`` show.

Built from grader/store/similarity.py: the submission's own comparison (made
when it was graded, against the ones graded before) and the later ones that
found it, turned around so that "this" is always the submission asked about.
The caller passes the naming function for another submission (the API and the
pages a pseudonym, api/identity.py; the CLI its id). The shares are given both
ways (how much of this one is found in the other, and the reverse);
``flagged`` is the stored comparison's verdict against the threshold. A
similarity is evidence for a reviewer, never a score. Nothing here knows HTTP
or prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from grader.similarities import threshold_of
from grader.store import similarity
from grader.store.models import SubmissionRow

FLOOR = 0.1  # below this share a pair is not worth a reviewer's look ("no similar submission")


Name = Callable[[str], str]  # another submission's id -> what to call it


@dataclass(frozen=True)
class SpanView:
    path: str
    start_line: int
    end_line: int


@dataclass(frozen=True)
class FragmentView:
    this: SpanView
    other: SpanView
    fingerprints: int


@dataclass
class PairView:
    """This submission and one other tree (a submission, the solution or the starter)."""

    other: str
    kind: str
    label: str
    shared: int
    share_this: float
    share_other: float
    flagged: bool
    fragments: list[FragmentView] = field(default_factory=list)

    @property
    def similarity(self) -> float:
        return max(self.share_this, self.share_other)


@dataclass
class Similar:
    computed: bool
    threshold: float
    submissions: list[PairView]
    references: list[PairView]
    starter: PairView | None

    @property
    def shown(self) -> list[PairView]:
        """What the report page lists: the pairs at or above the floor, closest first."""
        pairs = [p for p in (*self.references, *self.submissions) if p.similarity >= FLOOR]
        return sorted(pairs, key=lambda p: -p.similarity)

    def pair(self, other: str) -> PairView | None:
        everything = [
            *self.submissions,
            *self.references,
            *([self.starter] if self.starter else []),
        ]
        return next((p for p in everything if p.other == other), None)


def _span(data: Any) -> SpanView:
    return SpanView(str(data["path"]), int(data["start_line"]), int(data["end_line"]))


def _pair(match: dict[str, Any], name: Name, *, turned: str | None = None) -> PairView:
    """A stored match; ``turned``: the id of the submission whose comparison it is, when
    it is seen from the other side."""
    fragments = [
        FragmentView(_span(f["query"]), _span(f["other"]), int(f["fingerprints"]))
        for f in match.get("fragments") or []
    ]
    share_q, share_o = float(match["share_query"]), float(match["share_other"])
    other, kind = str(turned or match["other"]), str(match.get("kind", "submission"))
    if turned is not None:
        fragments = [FragmentView(f.other, f.this, f.fingerprints) for f in fragments]
        share_q, share_o = share_o, share_q
    label = name(other) if kind == "submission" else f"the challenge's {other}"
    return PairView(
        other,
        kind,
        label,
        int(match["shared"]),
        share_q,
        share_o,
        bool(match["flagged"]),
        fragments,
    )


def similar(session: Session, row: SubmissionRow, name: Name) -> Similar:
    """This submission's closest others, from its own comparison and the later ones;
    ``name`` says what to call another submission."""
    own = similarity.result_of(session, row.id)
    report = own.report if own else {}
    threshold = own.threshold if own else threshold_of(session, row.challenge_id)
    pairs = {p.other: p for p in (_pair(m, name) for m in report.get("submissions") or [])}
    for later in similarity.mentioning(session, row.challenge_id, row.id):
        for match in later.report.get("submissions") or []:
            if match.get("other") == row.id and later.submission_id not in pairs:
                pairs[later.submission_id] = _pair(match, name, turned=later.submission_id)
    starter = report.get("starter")
    return Similar(
        computed=own is not None,
        threshold=threshold,
        submissions=sorted(pairs.values(), key=lambda p: (-p.similarity, p.other)),
        references=[_pair(m, name) for m in report.get("references") or []],
        starter=_pair(starter, name) if isinstance(starter, dict) else None,
    )
