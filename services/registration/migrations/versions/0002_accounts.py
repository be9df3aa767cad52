"""Accounts (unique login, argon2 hash, role) and units' private contacts.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("account_id", sa.String(32), primary_key=True),
        sa.Column("login", sa.String(32), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("unit_id", sa.String(32)),
        sa.Column("level", sa.String(16)),
        sa.Column("jurisdiction", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "unit_contacts",
        sa.Column("unit_id", sa.String(32), primary_key=True),
        sa.Column("contact_name", sa.String(50), nullable=False),
        sa.Column("contact_phone", sa.String(20), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("unit_contacts")
    op.drop_table("accounts")
