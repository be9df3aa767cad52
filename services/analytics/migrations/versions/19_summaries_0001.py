"""Summary reports (工作总结): each campaign's kinds of reporter and each report's state, for the
count of reported / due per region. Filled from the streams (a replay fills them for the past).

Revision ID: 19_summaries_0001
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "19_summaries_0001"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "summary_steps",
        sa.Column("campaign", sa.String(64), primary_key=True),
        sa.Column("reporters", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "summary_reports",
        sa.Column("summary_id", sa.String(64), primary_key=True),
        sa.Column("campaign", sa.String(64), nullable=False),
        sa.Column("reporter", sa.String(120), nullable=False),
        sa.Column("reporter_kind", sa.String(10), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("submitted", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_summary_reports_campaign", "summary_reports", ["campaign", "reporter_kind", "region_code"])


def downgrade() -> None:
    op.drop_index("ix_summary_reports_campaign", "summary_reports")
    op.drop_table("summary_reports")
    op.drop_table("summary_steps")
