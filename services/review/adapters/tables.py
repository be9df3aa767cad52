"""Review's database schema: the backbone tables, its views of the streams and its own write model.

Views (built by ``projections/`` from the streams only; review never reads another service's
database): ``review_activities`` (with the indicator figures of each activity), ``review_units``,
``review_campaigns``, and ``review_counted_events`` (the check-ins and ratings counted, by event id).
Write model: content review lives in ``review_activities``' review columns
(its events are the activity's own aggregate in ``events``); ``recommendations`` is the state of
each recommendation aggregate; ``subject_claims`` keeps one open recommendation per activity or unit
and campaign; ``quota_slots`` numbers each body's recommendations from 1 to its quota, so that a
quota holds under concurrent requests by the primary key alone.
"""

from sqlalchemy import Boolean, Column, DateTime, Float, Index, Integer, MetaData, String, Table, Text

from shared.consumer.once import counted_events_table
from shared.store import add_backbone_tables

metadata = MetaData()
add_backbone_tables(metadata)

review_activities = Table(
    "review_activities",
    metadata,
    Column("activity_id", String(64), primary_key=True),
    Column("campaign", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("organizer_id", String(64)),
    Column("organizer_name", String(200), nullable=False),
    Column("region_code", String(12), nullable=False),
    Column("category", String(50)),
    Column("joint_action", String(50)),
    Column("themes", Text, nullable=False, default="[]"),
    Column("format", String(8), nullable=False, default="offline"),
    Column("science_workers", Integer, nullable=False, default=0),
    Column("registered_at", DateTime(timezone=True)),
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("info_completed", Boolean, nullable=False, default=False),
    Column("completeness", Float, nullable=False, default=0.0),
    Column("check_ins", Integer, nullable=False, default=0),
    Column("ratings", Integer, nullable=False, default=0),
    Column("rating_sum", Integer, nullable=False, default=0),
    # for indicator scores: co-organizers named, news links given at info completion
    Column("co_organizer_count", Integer, nullable=False, default=0, server_default="0"),
    Column("news_link_count", Integer, nullable=False, default=0, server_default="0"),
    # what the organizer registered and completed (lists as JSON text), for the reviewer to see
    Column("description", Text),
    Column("starts_at", DateTime(timezone=True)),
    Column("ends_at", DateTime(timezone=True)),
    Column("address", String(300)),
    Column("online_url", String(500)),
    Column("key_activity", Boolean),
    Column("expected_participants", Integer),
    Column("target_groups", Text),
    Column("co_organizers", Text),
    Column("programme", String(50)),
    Column("contact_name_masked", String(50)),
    Column("contact_phone_masked", String(30)),
    Column("photo_urls", Text),
    Column("video_urls", Text),
    Column("news_urls", Text),
    Column("actual_participants", Integer),
    Column("summary", Text),
    # content review, written by review's own commands
    Column("review", String(16), nullable=False, default="pending"),
    Column("review_version", Integer, nullable=False, default=0),
    Column("review_reason", String(500)),
    Column("reviewed_by", String(80)),
    Index("ix_review_queue", "campaign", "review", "registered_at", "activity_id"),
    # a body's jurisdiction (a region range, shared.store.starts_with): its queue, its counts, its figures
    Index("ix_review_scope", "campaign", "status", "region_code", "review"),
    Index("ix_review_activities_region", "region_code"),
    Index("ix_review_activities_organizer", "organizer_id"),
)

review_units = Table(
    "review_units",
    metadata,
    Column("unit_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("unit_type", String(20), nullable=False),
    Column("region_code", String(12), nullable=False, index=True),
    Column("version", Integer, nullable=False),
)

review_campaigns = Table(
    "review_campaigns",
    metadata,
    Column("campaign_id", String(64), primary_key=True),
    Column("title", String(100), nullable=False),
    Column("chain", Text),
    Column("recommendation_deadline", String(10)),
    Column("indicators", Text, nullable=False, default="[]"),
    Column("indicator_weights", Text),  # JSON list of {indicator, measure, weight}; NULL: not configured
    Column("version", Integer, nullable=False),
    Column("summary_reporters", Text),  # settings.summary.reporters as JSON; None: no summary step
    Column("summary_deadline", String(10)),
)

recommendations = Table(
    "recommendations",
    metadata,
    Column("recommendation_id", String(64), primary_key=True),
    Column("campaign", String(64), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("subject_id", String(64), nullable=False),
    Column("subject_name", String(200), nullable=False),
    Column("unit_name", String(200), nullable=False),
    Column("region_code", String(12), nullable=False),
    Column("fields", Text, nullable=False, default="[]"),
    Column("origin", String(80), nullable=False),
    Column("level", String(8), nullable=False),
    Column("status", String(10), nullable=False),
    Column("commended", Boolean, nullable=False, default=False),
    Column("version", Integer, nullable=False),
    Column("form", Text, nullable=False),
    Column("history", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_recommendations_waiting", "campaign", "kind", "level", "status", "created_at"),
    Index("ix_recommendations_origin", "campaign", "kind", "origin", "created_at"),
)

subject_claims = Table(
    "subject_claims",
    metadata,
    Column("campaign", String(64), primary_key=True),
    Column("kind", String(8), primary_key=True),
    Column("subject_id", String(64), primary_key=True),
    Column("recommendation_id", String(64), nullable=False),
)

quota_slots = Table(
    "quota_slots",
    metadata,
    Column("campaign", String(64), primary_key=True),
    Column("body", String(80), primary_key=True),
    Column("kind", String(8), primary_key=True),
    Column("slot", Integer, primary_key=True),
    Column("recommendation_id", String(64), nullable=False),
)

# Summary reports (工作总结): the state of each report aggregate, one per campaign and reporter.
review_summaries = Table(
    "review_summaries",
    metadata,
    Column("summary_id", String(64), primary_key=True),
    Column("campaign", String(64), nullable=False),
    Column("reporter", String(120), nullable=False),
    Column("reporter_kind", String(10), nullable=False),
    Column("reporter_name", String(200), nullable=False),
    Column("region_code", String(12), nullable=False),
    Column("status", String(10), nullable=False),
    Column("text", Text, nullable=False),
    Column("attachments", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("submitted_on", String(10)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_review_summaries_campaign", "campaign", "reporter_kind", "region_code"),
)

# The check-ins and ratings counted in review_activities' figures, so that a copy the relay published
# twice (same event id, a new offset) is not counted again.
review_counted = counted_events_table(metadata, "review_counted_events")
