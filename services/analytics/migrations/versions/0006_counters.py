"""The statistics' counters (``activity_counts``): per campaign, dimension, day, region and value, the
counted activities and their tallies, kept by the facts projection so that no statistic aggregates the
activities at request time. Filled here from the facts as they are (``adapters/counts_recount.py``);
a replay (``kepuri replay analytics``) rebuilds them with every other view.

Revision ID: 21_analytics_counters_0001
Revises: 19_routes_analytics_0001
"""

import sqlalchemy as sa
from alembic import op

from services.analytics.adapters.counts_recount import fill

revision = "21_analytics_counters_0001"
down_revision = "19_routes_analytics_0001"
branch_labels = None
depends_on = None

MEASURES = (
    "activities", "info_completed", "science_workers", "checkins", "feedback", "rating_sum", "online_works",
    "recommended", "commended",
)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "activity_counts",
        sa.Column("campaign", sa.String(64), primary_key=True),
        sa.Column("dimension", sa.String(16), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("region_code", sa.String(12), primary_key=True),
        sa.Column("value", sa.String(130), primary_key=True),
        *(sa.Column(name, sa.Integer, nullable=False) for name in MEASURES),
        sqlite_with_rowid=False,
    )
    if not op.get_context().as_sql:  # offline (--sql): the table only; a replay fills it
        fill(op.get_bind())


def downgrade() -> None:
    op.drop_table("activity_counts")
