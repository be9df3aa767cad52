"""The backbone tables: events, outbox, tracking, idempotency keys.

Revision ID: 0001
Revises:
"""

from shared.store.migrations import create_backbone_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_backbone_tables()


def downgrade() -> None:
    raise NotImplementedError("the backbone is never dropped")
