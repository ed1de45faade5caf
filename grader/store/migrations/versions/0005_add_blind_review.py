"""add blind review: each challenge's blind setting and the identities an admin revealed

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_settings",
        sa.Column("challenge_id", sa.String(length=100), nullable=False),
        sa.Column("manifest_blind", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("blind", sa.Boolean(), nullable=True),
        sa.Column("set_by", sa.String(length=200), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenges.id"]),
        sa.PrimaryKeyConstraint("challenge_id"),
    )
    op.create_table(
        "identity_reveals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("challenge_id", sa.String(length=100), nullable=False),
        sa.Column("candidate", sa.String(length=2000), nullable=False),
        sa.Column("revealed_by", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenges.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("challenge_id", "candidate"),
    )
    with op.batch_alter_table("identity_reveals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_reveals_challenge_id"), ["challenge_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("identity_reveals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_reveals_challenge_id"))
    op.drop_table("identity_reveals")
    op.drop_table("review_settings")
