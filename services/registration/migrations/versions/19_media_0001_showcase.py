"""The directory's showcase (汇聚展示): each activity's completed info (photos, videos, news links,
turnout, summary) and its live stream, as the public activity page shows them.

Revision ID: 19_media_0001
Revises: 19_admin_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "19_media_0001"
down_revision = "19_admin_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "directory_showcase",
        sa.Column("activity_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("info", sa.Text),
        sa.Column("live", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("directory_showcase")
