"""Which phone each person's key opened to, so that an erasure (by key id) finds what to forget.

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
    op.create_table(
        "subject_phones",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("phone", sa.String(20), nullable=False),
    )
    op.create_index("ix_subject_phones_phone", "subject_phones", ["phone"])


def downgrade() -> None:
    op.drop_table("subject_phones")
