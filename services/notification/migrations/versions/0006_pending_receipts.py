"""Delivery receipts kept until their message's provider id is recorded; each campaign's
``thank_you_sms`` setting.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_receipts",
        sa.Column("provider_message_id", sa.String(100), primary_key=True),
        sa.Column("delivered", sa.Boolean, nullable=False),
        sa.Column("error", sa.String(500)),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_pending_receipts_received", "pending_receipts", ["received_at"])
    with op.batch_alter_table("campaigns") as table:
        table.add_column(sa.Column("thank_you_sms", sa.Boolean))


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as table:
        table.drop_column("thank_you_sms")
    op.drop_index("ix_pending_receipts_received", "pending_receipts")
    op.drop_table("pending_receipts")
