"""The campaigns' deadlines and reminder days, for reminders to organizers.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as table:
        table.add_column(sa.Column("registration_closes_on", sa.String(10)))
        table.add_column(sa.Column("info_completion_deadline", sa.String(10)))
        table.add_column(sa.Column("reminder_days", sa.String(100)))


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as table:
        for column in ("reminder_days", "info_completion_deadline", "registration_closes_on"):
            table.drop_column(column)
