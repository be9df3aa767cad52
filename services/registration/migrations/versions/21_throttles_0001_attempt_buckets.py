"""The account limits' token buckets in the database (issue 21): with N API workers or replicas, each
kept its own in memory, so a client could make N times a limit's attempts.

Revision ID: 21_throttles_0001
Revises: 21_consumers_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "21_throttles_0001"
down_revision = "21_consumers_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attempt_buckets",
        sa.Column("limit_name", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("tokens", sa.Float, nullable=False),
        sa.Column("counted_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("attempt_buckets")
