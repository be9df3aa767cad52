"""An index for a reviewing body's jurisdiction: its activities by campaign, status and region range.

Every read of a county's or province's queue, its counts and its figures filters
``review_activities`` by a region prefix; without an index on the region inside the campaign each
read went through all of the campaign's activities (≈ 200 ms at 500,000, on every queue page).

Revision ID: 21_scope_0001
Revises: 19_summaries_0001
"""

from alembic import op

revision = "21_scope_0001"
down_revision = "19_summaries_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_review_scope", "review_activities", ["campaign", "status", "region_code", "review"])


def downgrade() -> None:
    op.drop_index("ix_review_scope", "review_activities")
