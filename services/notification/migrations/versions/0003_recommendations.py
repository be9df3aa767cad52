"""What each recommendation is about, for the review outcomes told to organizers.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recommendations",
        sa.Column("recommendation_id", sa.String(64), primary_key=True),
        sa.Column("activity_id", sa.String(64)),
        sa.Column("unit_id", sa.String(64)),
        sa.Column("subject_name", sa.String(200)),
    )


def downgrade() -> None:
    op.drop_table("recommendations")
