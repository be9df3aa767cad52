"""Erasure, continued: the key each science-worker entry is sealed with (so a listing sealed with a key
an erasure destroyed cannot commit), and what an erasure did to a unit's own contact and account.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Entries listed before sealing existed have no key: '' (nothing to destroy for them).
    op.add_column("science_workers", sa.Column("key_id", sa.String(32), nullable=False, server_default=""))
    op.execute(
        "UPDATE science_workers SET key_id = COALESCE("
        "(SELECT personal_keys.key_id FROM personal_keys WHERE personal_keys.phone = science_workers.phone), '')"
    )
    op.add_column("erasures", sa.Column("unit_contacts", sa.Integer, nullable=False, server_default="0"))
    op.add_column("erasures", sa.Column("accounts_closed", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("erasures") as batch:
        batch.drop_column("accounts_closed")
        batch.drop_column("unit_contacts")
    with op.batch_alter_table("science_workers") as batch:
        batch.drop_column("key_id")
