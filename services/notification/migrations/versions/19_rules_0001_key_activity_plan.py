"""The campaign's 附件1 key-activity plan deadline, for the counties' reminders (issue 19).

Revision ID: 19_rules_0001
Revises: 19_summaries_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "19_rules_0001"
down_revision = "19_summaries_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("campaigns", sa.Column("key_activity_plan_deadline", sa.String(10)))


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("key_activity_plan_deadline")
