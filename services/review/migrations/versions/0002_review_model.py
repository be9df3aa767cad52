"""Review's model: the view of activities with indicator figures and content review, units, campaigns,
recommendations with their subject claims and quota slots.

``review_activities`` is a view: it is dropped and built again from the streams by a projection
under a new consumer group name (``review.activities.v2``), which starts from the beginning.

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
    op.drop_table("review_activities")
    op.create_table(
        "review_activities",
        sa.Column("activity_id", sa.String(64), primary_key=True),
        sa.Column("campaign", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organizer_id", sa.String(64)),
        sa.Column("organizer_name", sa.String(200), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("category", sa.String(50)),
        sa.Column("joint_action", sa.String(50)),
        sa.Column("themes", sa.Text, nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("science_workers", sa.Integer, nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("info_completed", sa.Boolean, nullable=False),
        sa.Column("completeness", sa.Float, nullable=False),
        sa.Column("check_ins", sa.Integer, nullable=False),
        sa.Column("ratings", sa.Integer, nullable=False),
        sa.Column("rating_sum", sa.Integer, nullable=False),
        sa.Column("review", sa.String(16), nullable=False),
        sa.Column("review_version", sa.Integer, nullable=False),
        sa.Column("review_reason", sa.String(500)),
        sa.Column("reviewed_by", sa.String(80)),
    )
    op.create_index("ix_review_queue", "review_activities", ["campaign", "review", "registered_at", "activity_id"])
    op.create_index("ix_review_activities_region", "review_activities", ["region_code"])
    op.create_index("ix_review_activities_organizer", "review_activities", ["organizer_id"])
    op.create_table(
        "review_units",
        sa.Column("unit_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit_type", sa.String(20), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_review_units_region_code", "review_units", ["region_code"])
    op.create_table(
        "review_campaigns",
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("chain", sa.Text),
        sa.Column("recommendation_deadline", sa.String(10)),
        sa.Column("indicators", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "recommendations",
        sa.Column("recommendation_id", sa.String(64), primary_key=True),
        sa.Column("campaign", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("subject_name", sa.String(200), nullable=False),
        sa.Column("unit_name", sa.String(200), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("origin", sa.String(80), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("commended", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("form", sa.Text, nullable=False),
        sa.Column("history", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_recommendations_waiting", "recommendations", ["campaign", "kind", "level", "status", "created_at"]
    )
    op.create_index("ix_recommendations_origin", "recommendations", ["campaign", "kind", "origin", "created_at"])
    op.create_table(
        "subject_claims",
        sa.Column("campaign", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("subject_id", sa.String(64), primary_key=True),
        sa.Column("recommendation_id", sa.String(64), nullable=False),
    )
    op.create_table(
        "quota_slots",
        sa.Column("campaign", sa.String(64), primary_key=True),
        sa.Column("body", sa.String(80), primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("slot", sa.Integer, primary_key=True),
        sa.Column("recommendation_id", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    for table in ("quota_slots", "subject_claims", "recommendations", "review_campaigns", "review_units"):
        op.drop_table(table)
