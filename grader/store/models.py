"""The tables. Rows are never returned from the API as they are: see api/schemas.py."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class SubmissionStatus(StrEnum):
    """Where a submission stands: waiting, being graded, then its report's status."""

    QUEUED = "queued"
    RUNNING = "running"
    GRADED = "graded"
    TAMPERED = "tampered"
    ERROR = "error"
    HELD = "held"  # past its candidate's gradings limit: stored, not graded until released


ACTIVE = frozenset({SubmissionStatus.QUEUED, SubmissionStatus.RUNNING})
FINAL = frozenset({SubmissionStatus.GRADED, SubmissionStatus.TAMPERED, SubmissionStatus.ERROR})


class Role(StrEnum):
    """What a token may do (docs/contract.md, the role matrix)."""

    ADMIN = "admin"
    REVIEWER = "reviewer"
    CANDIDATE = "candidate"
    WORKER = "worker"  # a worker on another host: fetches hosted repositories and bundles


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class ChallengeRow(Base):
    __tablename__ = "challenges"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(Text)  # folder or git URL it was added from
    current_version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ChallengeVersionRow(Base):
    __tablename__ = "challenge_versions"
    __table_args__ = (UniqueConstraint("challenge_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    challenge_id: Mapped[str] = mapped_column(ForeignKey("challenges.id"), index=True)
    version: Mapped[str] = mapped_column(String(64))  # content hash
    commit: Mapped[str | None] = mapped_column(String(64))
    root: Mapped[str] = mapped_column(Text)  # local folder holding this version
    skills: Mapped[list[Any]] = mapped_column(default=list)
    test_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TokenRow(Base):
    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex, never the token
    candidate_email: Mapped[str | None] = mapped_column(String(320), index=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class InvitationRow(Base):
    __tablename__ = "invitations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    challenge_id: Mapped[str] = mapped_column(ForeignKey("challenges.id"), index=True)
    challenge_version: Mapped[str] = mapped_column(String(64))
    candidate_email: Mapped[str] = mapped_column(String(320), index=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("tokens.id"))
    repo_path: Mapped[str | None] = mapped_column(Text)  # hosted bare repository
    seed_commit: Mapped[str | None] = mapped_column(String(64))
    external_repo: Mapped[str | None] = mapped_column(Text, index=True)  # for webhooks
    webhook_secret: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The window (grader/hosting/deadlines.py): a fixed due_at, or duration_s from opens_at
    # or from started_at, the candidate's first clone or push.
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    duration_s: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    late_policy: Mapped[str] = mapped_column(String(20), default="refuse", server_default="refuse")
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    graded_submission_id: Mapped[str | None] = mapped_column(String(36))  # a reviewer's choice


class PushRow(Base):
    """A push our server received: when it arrived is what the history analysis trusts."""

    __tablename__ = "pushes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    invitation_id: Mapped[str] = mapped_column(ForeignKey("invitations.id"), index=True)
    ref: Mapped[str] = mapped_column(String(300))
    old_commit: Mapped[str | None] = mapped_column(String(64))
    new_commit: Mapped[str] = mapped_column(String(64))
    commits: Mapped[list[Any]] = mapped_column(default=list)  # SHAs this push introduced
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class SubmissionRow(Base):
    __tablename__ = "submissions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    challenge_id: Mapped[str] = mapped_column(ForeignKey("challenges.id"), index=True)
    challenge_version: Mapped[str] = mapped_column(String(64))
    candidate_email: Mapped[str | None] = mapped_column(String(320), index=True)
    invitation_id: Mapped[str | None] = mapped_column(ForeignKey("invitations.id"), index=True)
    repo: Mapped[str] = mapped_column(Text)
    ref: Mapped[str | None] = mapped_column(String(300))
    commit: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    worker: Mapped[str | None] = mapped_column(String(200))
    overall: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), index=True)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("tokens.id"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class SubmissionEventRow(Base):
    """The status history of a submission, one row a change."""

    __tablename__ = "submission_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReportRow(Base):
    __tablename__ = "reports"

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    overall: Mapped[float] = mapped_column(Float)
    report: Mapped[dict[str, Any]] = mapped_column()
    artifacts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditRow(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class WebhookDeliveryRow(Base):
    """An outgoing notification that a grading completed, signed and retried."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # None for a decision about a candidate who has no submission
    submission_id: Mapped[str | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    response_code: Mapped[int | None] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # What the delivery announces (grader.notify); a decision's delivery names its decision.
    event: Mapped[str] = mapped_column(
        String(40), default="grading.completed", server_default="grading.completed"
    )
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), index=True)


class FingerprintsRow(Base):
    """A graded submission's similarity fingerprints (grader/similarity), to compare later ones."""

    __tablename__ = "submission_fingerprints"

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    challenge_id: Mapped[str] = mapped_column(ForeignKey("challenges.id"), index=True)
    scheme: Mapped[int] = mapped_column(Integer)  # Scheme.version: another one is not compared
    fingerprints: Mapped[dict[str, Any]] = mapped_column()  # Fingerprints.to_json()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SimilarityRow(Base):
    """What a submission's fingerprints matched when it was graded (grader.similarity.Report)."""

    __tablename__ = "similarity_results"

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    challenge_id: Mapped[str] = mapped_column(ForeignKey("challenges.id"), index=True)
    threshold: Mapped[float] = mapped_column(Float)
    report: Mapped[dict[str, Any]] = mapped_column()  # Report.to_json()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ErasureRow(Base):
    """A candidate's erasure (grader/erasure.py): who asked, when, how much went; never whom.

    The candidate is kept only as a salted hash of their email, so that a half-done erasure
    can be found and finished by asking for it again. ``identifiers`` holds the random ids
    the erasure removes (invitations, token hashes, submissions): what the disk removal
    needs after the rows are gone, and what lets a late push or token be refused clearly.
    """

    __tablename__ = "erasures"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email_hash: Mapped[str] = mapped_column(String(64), index=True)  # sha256(salt + email)
    salt: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(20))  # request, retention
    state: Mapped[str] = mapped_column(String(20), index=True)  # pending, done
    identifiers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Verdict(StrEnum):
    """What a reviewer decided about a submission or a candidate."""

    ADVANCE = "advance"
    HOLD = "hold"
    REJECT = "reject"


class DecisionRow(Base):
    """One decision about a submission, or about a candidate (their invitation); never
    updated: the newest of a subject is its current decision, the older ones its history."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    challenge_id: Mapped[str] = mapped_column(ForeignKey("challenges.id"), index=True)
    submission_id: Mapped[str | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    invitation_id: Mapped[str | None] = mapped_column(ForeignKey("invitations.id"), index=True)
    verdict: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text, default="")
    token_id: Mapped[int] = mapped_column(ForeignKey("tokens.id"))
    actor: Mapped[str] = mapped_column(String(200))  # the token's name when it decided
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class CommentTarget(StrEnum):
    """What on a report a reviewer's comment is about."""

    TEST = "test"
    FINDING = "finding"
    COMMIT = "commit"


class CommentRow(Base):
    """A reviewer's comment on one test, finding or commit of a submission's report."""

    __tablename__ = "review_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    target_kind: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    token_id: Mapped[int] = mapped_column(ForeignKey("tokens.id"))
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReviewSettingRow(Base):
    """Whether a challenge's round is reviewed blind: the manifest's say and an admin's override."""

    __tablename__ = "review_settings"

    challenge_id: Mapped[str] = mapped_column(ForeignKey("challenges.id"), primary_key=True)
    manifest_blind: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    blind: Mapped[bool | None] = mapped_column(Boolean)  # the override; None: the manifest's
    set_by: Mapped[str | None] = mapped_column(String(200))
    set_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RevealRow(Base):
    """An admin showed a blinded candidate's identity to the reviewers of one challenge."""

    __tablename__ = "identity_reveals"
    __table_args__ = (UniqueConstraint("challenge_id", "candidate"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    challenge_id: Mapped[str] = mapped_column(ForeignKey("challenges.id"), index=True)
    candidate: Mapped[str] = mapped_column(String(2000))  # the identity key (grader/identity.py)
    revealed_by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RegradeState(StrEnum):
    """Where a regrade stands: its shadow gradings run, then an admin decides."""

    RUNNING = "running"
    READY = "ready"
    PUBLISHED = "published"
    DISCARDED = "discarded"


class ShadowState(StrEnum):
    """One shadow grading of a regrade: ``done`` holds a report, ``failed`` a reason."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RegradeRow(Base):
    """Grading a challenge's submissions again (grader/regrade.py), unseen until published."""

    __tablename__ = "regrades"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    challenge_id: Mapped[str] = mapped_column(ForeignKey("challenges.id"), index=True)
    version: Mapped[str] = mapped_column(String(64))  # the challenge version graded against
    selection: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"only": .., "candidate": ..}
    state: Mapped[str] = mapped_column(String(20), index=True)
    requested_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(200))  # who published or discarded
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ShadowResultRow(Base):
    """A submission graded again by a regrade; ``previous`` keeps the result it replaced."""

    __tablename__ = "shadow_results"
    __table_args__ = (UniqueConstraint("regrade_id", "submission_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    regrade_id: Mapped[str] = mapped_column(ForeignKey("regrades.id"), index=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str | None] = mapped_column(String(20))
    overall: Mapped[float | None] = mapped_column(Float)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    artifacts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    previous: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # filled at publication
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
