"""Summary reports (工作总结): each campaign's summary deadline and reporters, and who has submitted,
for the reminders before the summary deadline.

Revision ID: 19_summaries_0001
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "19_summaries_0001"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as table:
        table.add_column(sa.Column("summary_deadline", sa.String(10)))
        table.add_column(sa.Column("summary_reporters", sa.String(100)))
    op.create_table(
        "summaries_submitted",
        sa.Column("campaign", sa.String(64), primary_key=True),
        sa.Column("reporter", sa.String(120), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("summaries_submitted")
    with op.batch_alter_table("campaigns") as table:
        table.drop_column("summary_reporters")
        table.drop_column("summary_deadline")
