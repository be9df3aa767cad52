"""The delivery ledger, the restricted contacts it needs, opt-outs.

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
        "campaigns",
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "activities",
        sa.Column("activity_id", sa.String(64), primary_key=True),
        sa.Column("campaign", sa.String(64)),
        sa.Column("name", sa.String(200)),
        sa.Column("organizer_id", sa.String(64)),
        sa.Column("organizer_name", sa.String(200)),
        sa.Column("info_completed", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("workers_version", sa.Integer, nullable=False),
    )
    op.create_table(
        "workers",
        sa.Column("activity_id", sa.String(64), primary_key=True),
        sa.Column("worker_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("organisation", sa.String(100)),
    )
    op.create_table(
        "messages",
        sa.Column("event_id", sa.String(80), primary_key=True),
        sa.Column("recipient", sa.String(254), primary_key=True),
        sa.Column("channel", sa.String(8), primary_key=True),
        sa.Column("notification_id", sa.String(32), nullable=False, unique=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("recipient_masked", sa.String(254), nullable=False),
        sa.Column("organizer_id", sa.String(64)),
        sa.Column("activity_id", sa.String(64)),
        sa.Column("campaign", sa.String(64)),
        sa.Column("sign", sa.String(100)),
        sa.Column("subject", sa.String(200)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("provider_message_id", sa.String(100)),
        sa.Column("error", sa.String(500)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_messages_due", "messages", ["state", "next_attempt_at"])
    op.create_index("ix_messages_organizer", "messages", ["organizer_id", "created_at"])
    op.create_index("ix_messages_provider", "messages", ["provider_message_id"])
    op.create_table(
        "opt_outs",
        sa.Column("recipient", sa.String(254), primary_key=True),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("opt_outs", "messages", "workers", "activities", "campaigns"):
        op.drop_table(table)
