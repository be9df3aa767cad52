"""The flagship programme (品牌活动, 2024) of each activity, a dimension of the statistics, and how many
online works (千万IP创科普) it names, a measure. Activities
counted before this migration have none until the views are replayed (``kepuri replay analytics``).

Revision ID: 19_routes_analytics_0001
Revises: 19_summaries_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "19_routes_analytics_0001"
down_revision = "19_summaries_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("activity_facts", sa.Column("programme", sa.String(64), nullable=True))
    op.add_column("activity_facts", sa.Column("online_works", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("activity_facts") as batch:
        batch.drop_column("online_works")
        batch.drop_column("programme")
