"""Accounts can be disabled, and their tokens revoked: everything issued before ``tokens_not_before``.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("tokens_not_before", sa.Float()))
        batch.create_index("ix_accounts_tokens_not_before", ["tokens_not_before"])


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_index("ix_accounts_tokens_not_before")
        batch.drop_column("tokens_not_before")
        batch.drop_column("disabled")
