"""Summary reports (工作总结): each report's state, and each campaign's summary step in review's view.

Campaigns configured before this migration get their summary step on the next campaign-configured
event (or a replay of the view).

Revision ID: 19_summaries_0001
Revises: 19_content_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "19_summaries_0001"
down_revision = "19_content_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("review_campaigns", sa.Column("summary_reporters", sa.Text()))
    op.add_column("review_campaigns", sa.Column("summary_deadline", sa.String(10)))
    op.create_table(
        "review_summaries",
        sa.Column("summary_id", sa.String(64), primary_key=True),
        sa.Column("campaign", sa.String(64), nullable=False),
        sa.Column("reporter", sa.String(120), nullable=False),
        sa.Column("reporter_kind", sa.String(10), nullable=False),
        sa.Column("reporter_name", sa.String(200), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("attachments", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submitted_on", sa.String(10)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_review_summaries_campaign", "review_summaries", ["campaign", "reporter_kind", "region_code"])


def downgrade() -> None:
    op.drop_index("ix_review_summaries_campaign", "review_summaries")
    op.drop_table("review_summaries")
    op.drop_column("review_campaigns", "summary_deadline")
    op.drop_column("review_campaigns", "summary_reporters")
