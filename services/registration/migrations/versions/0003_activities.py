"""Campaigns, drafts, activities as they stand, and the restricted science-worker lists.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "drafts",
        sa.Column("draft_id", sa.String(32), primary_key=True),
        sa.Column("unit_id", sa.String(32), nullable=False),
        sa.Column("campaign_id", sa.String(64)),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_drafts_unit", "drafts", ["unit_id", "created_at"])
    op.create_table(
        "activities",
        sa.Column("activity_id", sa.String(32), primary_key=True),
        sa.Column("unit_id", sa.String(32), nullable=False),
        sa.Column("campaign_id", sa.String(64)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completeness", sa.Float, nullable=False),
        sa.Column("review_status", sa.String(16), nullable=False),
        sa.Column("review_reason", sa.Text),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("info", sa.Text),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_activities_unit", "activities", ["unit_id", "registered_at"])
    op.create_index("ix_activities_campaign_region", "activities", ["campaign_id", "region_code"])
    op.create_table(
        "science_workers",
        sa.Column("activity_id", sa.String(32), primary_key=True),
        sa.Column("worker_id", sa.String(32), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("organisation", sa.String(100)),
    )
    op.create_index("ix_science_workers_phone", "science_workers", ["phone"])


def downgrade() -> None:
    op.drop_table("science_workers")
    op.drop_table("activities")
    op.drop_table("drafts")
    op.drop_table("campaigns")
