"""add reviewers' decisions and comments, and decision deliveries of the outgoing webhook

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DELIVERY_DECISION_FK = "fk_webhook_deliveries_decision_id_decisions"


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("challenge_id", sa.String(length=100), nullable=False),
        sa.Column("submission_id", sa.String(length=36), nullable=True),
        sa.Column("invitation_id", sa.String(length=36), nullable=True),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenges.id"]),
        sa.ForeignKeyConstraint(["invitation_id"], ["invitations.id"]),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"]),
        sa.ForeignKeyConstraint(["token_id"], ["tokens.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        for column in ("challenge_id", "submission_id", "invitation_id", "created_at"):
            batch_op.create_index(batch_op.f(f"ix_decisions_{column}"), [column], unique=False)

    op.create_table(
        "review_comments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("target_kind", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"]),
        sa.ForeignKeyConstraint(["token_id"], ["tokens.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("review_comments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_comments_submission_id"), ["submission_id"], unique=False
        )

    # Existing deliveries announced gradings: the server default says so.
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "event",
                sa.String(length=40),
                server_default="grading.completed",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("decision_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(DELIVERY_DECISION_FK, "decisions", ["decision_id"], ["id"])
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_decision_id"), ["decision_id"], unique=False
        )
        batch_op.alter_column("submission_id", existing_type=sa.String(length=36), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.alter_column("submission_id", existing_type=sa.String(length=36), nullable=False)
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_decision_id"))
        batch_op.drop_constraint(DELIVERY_DECISION_FK, type_="foreignkey")
        batch_op.drop_column("decision_id")
        batch_op.drop_column("event")
    with op.batch_alter_table("review_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_comments_submission_id"))
    op.drop_table("review_comments")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        for column in ("challenge_id", "submission_id", "invitation_id", "created_at"):
            batch_op.drop_index(batch_op.f(f"ix_decisions_{column}"))
    op.drop_table("decisions")
