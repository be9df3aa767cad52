"""The check-ins and ratings the directory has counted, by event id, so that one published twice
counts once. Those counted before this migration are not listed: the counters stay as they are.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("directory_counted_events", sa.Column("event_id", sa.String(64), primary_key=True))


def downgrade() -> None:
    op.drop_table("directory_counted_events")
