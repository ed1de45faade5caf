"""add the similarity tables: each graded submission's fingerprints and what they matched

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submission_fingerprints",
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("challenge_id", sa.String(length=100), nullable=False),
        sa.Column("scheme", sa.Integer(), nullable=False),
        sa.Column("fingerprints", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenges.id"]),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"]),
        sa.PrimaryKeyConstraint("submission_id"),
    )
    with op.batch_alter_table("submission_fingerprints", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_submission_fingerprints_challenge_id"), ["challenge_id"], unique=False
        )

    op.create_table(
        "similarity_results",
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("challenge_id", sa.String(length=100), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenges.id"]),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"]),
        sa.PrimaryKeyConstraint("submission_id"),
    )
    with op.batch_alter_table("similarity_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_similarity_results_challenge_id"), ["challenge_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("similarity_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_similarity_results_challenge_id"))
    op.drop_table("similarity_results")
    with op.batch_alter_table("submission_fingerprints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_fingerprints_challenge_id"))
    op.drop_table("submission_fingerprints")
