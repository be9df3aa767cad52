"""Each activity's region and each campaign's recommendation deadlines by level, for reminding
reviewing bodies before their deadline.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as table:
        table.add_column(sa.Column("recommendation_deadlines", sa.String(200)))
    with op.batch_alter_table("activities") as table:
        table.add_column(sa.Column("region_code", sa.String(12)))


def downgrade() -> None:
    with op.batch_alter_table("activities") as table:
        table.drop_column("region_code")
    with op.batch_alter_table("campaigns") as table:
        table.drop_column("recommendation_deadlines")
