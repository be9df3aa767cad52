"""A campaign's ``public_statistics`` setting: whether its aggregate statistics answer anyone.

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
    with op.batch_alter_table("campaign_rules") as batch:
        batch.add_column(sa.Column("public_statistics", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("campaign_rules") as batch:
        batch.drop_column("public_statistics")
