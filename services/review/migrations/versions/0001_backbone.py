"""The backbone tables and review's view of activities.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from shared.store.migrations import create_backbone_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_backbone_tables()
    op.create_table(
        "review_activities",
        sa.Column("activity_id", sa.String(64), primary_key=True),
        sa.Column("campaign", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organizer_name", sa.String(200), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_review_activities_region_code", "review_activities", ["region_code"])


def downgrade() -> None:
    op.drop_table("review_activities")
