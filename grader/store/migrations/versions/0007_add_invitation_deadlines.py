"""add invitation deadlines: the window, revocation, a reviewer's graded choice, late pushes

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("duration_s", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("late_policy", sa.String(length=20), server_default="refuse", nullable=False)
        )
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("graded_submission_id", sa.String(length=36), nullable=True))
    with op.batch_alter_table("pushes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("late", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("late", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_column("late")
    with op.batch_alter_table("pushes", schema=None) as batch_op:
        batch_op.drop_column("late")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        for column in (
            "graded_submission_id",
            "revoked_at",
            "late_policy",
            "started_at",
            "duration_s",
            "due_at",
            "opens_at",
        ):
            batch_op.drop_column(column)
