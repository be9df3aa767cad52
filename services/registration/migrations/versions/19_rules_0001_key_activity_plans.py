"""Each county's 附件1 key-activity plan as its city signed it off (issue 19).

Revision ID: 19_rules_0001
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "19_rules_0001"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "key_activity_plans",
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("region_code", sa.String(6), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("signed_off", sa.Boolean, nullable=False),
        sa.Column("key_activities", sa.Integer, nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("key_activity_plans")
