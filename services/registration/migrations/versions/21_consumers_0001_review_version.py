"""The sequence of the last review verdict each activity's row applied (issue 21): the review outcomes
consumer skips a verdict at or below it, so a republished or out-of-order one changes nothing.

Revision ID: 21_consumers_0001
Revises: 19_routes_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "21_consumers_0001"
down_revision = "19_routes_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("activities", sa.Column("review_version", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("review_version")
