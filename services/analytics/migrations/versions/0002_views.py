"""The views of issue 6: activity facts (with themes and target groups), registrations per minute,
notification counts, recommendations, counted event ids and the campaigns' local rules.

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
        "activity_facts",
        sa.Column("activity_id", sa.String(64), primary_key=True),
        sa.Column("campaign", sa.String(64), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("province", sa.String(2), nullable=False),
        sa.Column("city", sa.String(4), nullable=False),
        sa.Column("county", sa.String(6), nullable=False),
        sa.Column("organizer_id", sa.String(64)),
        sa.Column("organizer_name", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("category", sa.String(50)),
        sa.Column("joint_action", sa.String(100)),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("key_activity", sa.Boolean(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True)),
        sa.Column("ends_at", sa.DateTime(timezone=True)),
        sa.Column("day", sa.String(10)),
        sa.Column("address", sa.String(300)),
        sa.Column("online_url", sa.String(500)),
        sa.Column("contact_name", sa.String(50)),
        sa.Column("contact_phone", sa.String(20)),
        sa.Column("expected_participants", sa.Integer()),
        sa.Column("actual_participants", sa.Integer()),
        sa.Column("science_workers", sa.Integer(), nullable=False),
        sa.Column("info_completed", sa.Boolean(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("review", sa.String(10), nullable=False),
        sa.Column("level", sa.String(10)),
        sa.Column("commended", sa.Boolean(), nullable=False),
        sa.Column("checkins", sa.Integer(), nullable=False),
        sa.Column("feedback", sa.Integer(), nullable=False),
        sa.Column("rating_sum", sa.Integer(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_facts_campaign_region", "activity_facts", ["campaign", "region_code"])
    op.create_index("ix_facts_organizer", "activity_facts", ["campaign", "organizer_id"])
    op.create_index("ix_facts_campaign_day", "activity_facts", ["campaign", "day"])
    op.create_table(
        "activity_themes",
        sa.Column("activity_id", sa.String(64), primary_key=True),
        sa.Column("theme", sa.String(100), primary_key=True),
    )
    op.create_table(
        "activity_targets",
        sa.Column("activity_id", sa.String(64), primary_key=True),
        sa.Column("target_group", sa.String(50), primary_key=True),
    )
    op.create_table(
        "registrations_per_minute",
        sa.Column("campaign", sa.String(64), primary_key=True),
        sa.Column("minute", sa.String(16), primary_key=True),
        sa.Column("registrations", sa.Integer(), nullable=False),
    )
    op.create_table(
        "notification_counts",
        sa.Column("campaign", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(40), primary_key=True),
        sa.Column("channel", sa.String(8), primary_key=True),
        sa.Column("outcome", sa.String(8), primary_key=True),
        sa.Column("messages", sa.Integer(), nullable=False),
    )
    op.create_table(
        "unit_recommendations",
        sa.Column("recommendation_id", sa.String(64), primary_key=True),
        sa.Column("campaign", sa.String(64), nullable=False),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "activity_recommendations",
        sa.Column("recommendation_id", sa.String(64), primary_key=True),
        sa.Column("activity_id", sa.String(64), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_activity_recommendations_activity", "activity_recommendations", ["activity_id"])
    op.create_table(
        "counted_events",
        sa.Column("event_id", sa.String(64), primary_key=True),
    )
    op.create_table(
        "campaign_rules",
        sa.Column("campaign", sa.String(64), primary_key=True),
        sa.Column("rules", sa.String(4000), nullable=False),
        sa.Column("indicators", sa.String(4000), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("campaign_rules")
    op.drop_table("counted_events")
    op.drop_table("activity_recommendations")
    op.drop_table("unit_recommendations")
    op.drop_table("notification_counts")
    op.drop_table("registrations_per_minute")
    op.drop_table("activity_targets")
    op.drop_table("activity_themes")
    op.drop_table("activity_facts")
