"""The sums indicator scores need that review's view did not keep: how many co-organizers an activity
names and how many news links its info completion gave (counts, so that SQL sums them per unit and per
region), and each campaign's indicator weights. Activities seen before this migration count 0 of both
until the view is rebuilt from the streams (``kepuri`` replay).

Revision ID: 19_indicators_0001
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "19_indicators_0001"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_activities") as table:
        table.add_column(sa.Column("co_organizer_count", sa.Integer, nullable=False, server_default="0"))
        table.add_column(sa.Column("news_link_count", sa.Integer, nullable=False, server_default="0"))
    with op.batch_alter_table("review_campaigns") as table:
        table.add_column(sa.Column("indicator_weights", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("review_campaigns") as table:
        table.drop_column("indicator_weights")
    with op.batch_alter_table("review_activities") as table:
        table.drop_column("news_link_count")
        table.drop_column("co_organizer_count")
