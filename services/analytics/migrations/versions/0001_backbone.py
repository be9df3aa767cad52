"""The backbone tables and the overview views.

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
        "overview_activities",
        sa.Column("activity_id", sa.String(64), primary_key=True),
        sa.Column("campaign", sa.String(64), nullable=False),
        sa.Column("province", sa.String(2), nullable=False),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "overview_provinces",
        sa.Column("campaign", sa.String(64), primary_key=True),
        sa.Column("province", sa.String(2), primary_key=True),
        sa.Column("activities", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("overview_provinces")
    op.drop_table("overview_activities")
