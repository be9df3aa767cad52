"""The check-ins and ratings review's view has counted, by event id, so that one the relay published
twice counts once in the indicator figures. Those counted before this migration are not listed: the
figures stay as they are.

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
    op.create_table("review_counted_events", sa.Column("event_id", sa.String(64), primary_key=True))


def downgrade() -> None:
    op.drop_table("review_counted_events")
