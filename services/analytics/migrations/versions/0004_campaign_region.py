"""The region a local campaign covers (its ``settings.region_code``), so that its local rules count
only activities inside it. Campaigns configured before this migration have none (counted everywhere,
as before) until they are configured again or the views are replayed.

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
    op.add_column("campaign_rules", sa.Column("region_code", sa.String(12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign_rules") as batch:
        batch.drop_column("region_code")
