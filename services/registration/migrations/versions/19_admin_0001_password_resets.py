"""Local administration: a staff account's phone (for password resets) and the reset codes in force.

Revision ID: 19_admin_0001
Revises: 19_rules_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "19_admin_0001"
down_revision = "19_rules_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("phone", sa.String(20)))
    op.create_index("ix_accounts_phone", "accounts", ["phone"])
    op.create_table(
        "password_resets",
        sa.Column("account_id", sa.String(32), primary_key=True),
        sa.Column("code_hash", sa.String(128), nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("password_resets")
    op.drop_index("ix_accounts_phone", "accounts")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("phone")
