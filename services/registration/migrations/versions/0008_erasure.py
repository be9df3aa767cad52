"""Erasure of personal data (crypto-shredding): each person's key id by phone, and the erasures done.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "personal_keys",
        sa.Column("phone", sa.String(20), primary_key=True),
        sa.Column("key_id", sa.String(32), nullable=False, unique=True),
    )
    op.create_table(
        "erasures",
        sa.Column("erasure_id", sa.String(32), primary_key=True),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("science_worker_entries", sa.Integer, nullable=False),
        sa.Column("contact_entries", sa.Integer, nullable=False),
        sa.Column("keys_destroyed", sa.Integer, nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("erasures")
    op.drop_table("personal_keys")
