"""Analytics' database schema: the backbone tables and the views built from the streams."""

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, MetaData, String, Table, true

from shared.consumer.once import counted_events_table
from shared.store import add_backbone_tables

metadata = MetaData()
add_backbone_tables(metadata)

# One row per activity seen: the dimensions the overview counts by, and the last applied version,
# which makes the view idempotent even if the upstream relay published an event twice.
overview_activities = Table(
    "overview_activities",
    metadata,
    Column("activity_id", String(64), primary_key=True),
    Column("campaign", String(64), nullable=False),
    Column("province", String(2), nullable=False),
    Column("withdrawn", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
)

overview_provinces = Table(
    "overview_provinces",
    metadata,
    Column("campaign", String(64), primary_key=True),
    Column("province", String(2), primary_key=True),
    Column("activities", Integer, nullable=False),
)

# --- the activity views: one row of facts per activity, and its multi-valued dimensions -------------
# Each row holds what every statistic needs of an activity: its dimensions (campaign, region at three
# levels, category, joint action, format, the China-time day it starts), its state (info completed,
# withdrawn, review verdict, the highest level it was recommended to, commended) and its tallies
# (science workers, check-ins, feedback and their rating sum). ``version`` is the last applied
# sequence of the activity's own stream, which makes re-applied activity events harmless; 0 while
# only other streams (a verdict, a check-in) have mentioned the activity: such a row holds their
# tallies until the registration arrives, and no statistic counts it before.
activity_facts = Table(
    "activity_facts",
    metadata,
    Column("activity_id", String(64), primary_key=True),
    Column("campaign", String(64), nullable=False),
    Column("region_code", String(12), nullable=False),
    Column("province", String(2), nullable=False),
    Column("city", String(4), nullable=False),
    Column("county", String(6), nullable=False),
    Column("organizer_id", String(64)),
    Column("organizer_name", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("category", String(50)),
    Column("joint_action", String(100)),
    Column("programme", String(64)),  # the 2024 flagship programme (品牌活动), if any
    Column("format", String(10), nullable=False),
    Column("key_activity", Boolean, nullable=False),
    Column("starts_at", DateTime(timezone=True)),
    Column("ends_at", DateTime(timezone=True)),
    Column("day", String(10)),  # the China-time day it starts, YYYY-MM-DD
    Column("address", String(300)),
    Column("online_url", String(500)),
    Column("contact_name", String(50)),  # masked, as the events carry it
    Column("contact_phone", String(20)),  # masked
    Column("expected_participants", Integer),
    Column("actual_participants", Integer),
    Column("science_workers", Integer, nullable=False),
    Column("online_works", Integer, nullable=False, server_default="0"),  # 千万IP: how many online works
    Column("info_completed", Boolean, nullable=False),
    Column("withdrawn", Boolean, nullable=False),
    Column("review", String(10), nullable=False),  # pending | approved | rejected
    Column("level", String(10)),  # the highest level it was recommended to (county … national)
    Column("commended", Boolean, nullable=False),
    Column("checkins", Integer, nullable=False),
    Column("feedback", Integer, nullable=False),
    Column("rating_sum", Integer, nullable=False),
    Column("registered_at", DateTime(timezone=True)),
    Column("version", Integer, nullable=False),
    Index("ix_facts_campaign_region", "campaign", "region_code"),
    Index("ix_facts_campaign_day", "campaign", "day"),
    Index("ix_facts_organizer", "campaign", "organizer_id"),
)

activity_themes = Table(
    "activity_themes",
    metadata,
    Column("activity_id", String(64), primary_key=True),
    Column("theme", String(100), primary_key=True),
)

activity_targets = Table(
    "activity_targets",
    metadata,
    Column("activity_id", String(64), primary_key=True),
    Column("target_group", String(50), primary_key=True),
)

# --- the statistics' counters: what every statistic sums, per dimension, kept by the facts projection ---
# One row per (campaign, dimension, day, region code, value): the counted activities (registered, not
# withdrawn) with that value of the dimension, and their tallies. ``dimension`` is "" for all activities
# (grouped by region or day at read time), a column of activity_facts (category, joint_action,
# programme, format, level, review), "theme" or "target_group" (an activity counted under each of its
# values), or "recommended" (``activities``: the recommendations in force at level ``value``). ``day``
# is the China-time day the activities start, or "" for every day (the roll-up the answers without a
# span of days read). ``value`` is "" for none (null) and "=" + the value otherwise. Rows whose
# activities fall to 0 stay and are never answered. See projections/tallies.py and docs/analytics.md.
activity_counts = Table(
    "activity_counts",
    metadata,
    Column("campaign", String(64), primary_key=True),
    Column("dimension", String(16), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("region_code", String(12), primary_key=True),
    Column("value", String(130), primary_key=True),
    Column("activities", Integer, nullable=False),
    Column("info_completed", Integer, nullable=False),
    Column("science_workers", Integer, nullable=False),
    Column("checkins", Integer, nullable=False),
    Column("feedback", Integer, nullable=False),
    Column("rating_sum", Integer, nullable=False),
    Column("online_works", Integer, nullable=False),
    Column("recommended", Integer, nullable=False),
    Column("commended", Integer, nullable=False),
    sqlite_with_rowid=False,  # on SQLite the key is the table: an upsert writes one B-tree, not two
)

# --- counters of streams that are facts, not aggregates ------------------------------------------
registrations_per_minute = Table(
    "registrations_per_minute",
    metadata,
    Column("campaign", String(64), primary_key=True),
    Column("minute", String(16), primary_key=True),  # YYYY-MM-DDTHH:MM, China time
    Column("registrations", Integer, nullable=False),
)

notification_counts = Table(
    "notification_counts",
    metadata,
    Column("campaign", String(64), primary_key=True),
    Column("kind", String(40), primary_key=True),
    Column("channel", String(8), primary_key=True),
    Column("outcome", String(8), primary_key=True),  # sent | failed
    Column("messages", Integer, nullable=False),
)

unit_recommendations = Table(
    "unit_recommendations",
    metadata,
    Column("recommendation_id", String(64), primary_key=True),
    Column("campaign", String(64), nullable=False),
    Column("unit_id", String(64), nullable=False),
    Column("level", String(10), nullable=False),  # the level it was recommended to
    Column("withdrawn", Boolean, nullable=False),
)

activity_recommendations = Table(
    "activity_recommendations",
    metadata,
    Column("recommendation_id", String(64), primary_key=True),
    Column("activity_id", String(64), nullable=False),
    Column("level", String(10), nullable=False),
    Column("withdrawn", Boolean, nullable=False),
    Index("ix_activity_recommendations_activity", "activity_id"),
)

# Events counted once each: the ids of the events (of streams without versions) already applied,
# so that an event the relay published twice is not counted twice.
counted_events = counted_events_table(metadata)

# The campaigns' local rules, indicators and region as the last campaign-configured event gave them,
# and whether their aggregate statistics answer anyone (settings["public_statistics"], true unless false).
campaign_rules = Table(
    "campaign_rules",
    metadata,
    Column("campaign", String(64), primary_key=True),
    Column("rules", String(4000), nullable=False),  # JSON list of LocalRule: {"name", "kind", "match", "per"}
    Column("indicators", String(4000), nullable=False),  # JSON list of the campaign's indicators
    Column("version", Integer, nullable=False),
    Column("public_statistics", Boolean, nullable=False, server_default=true()),
    Column("region_code", String(12)),  # a local campaign's region (settings.region_code); None: China
)


# --- summary reports (工作总结): each campaign's kinds of reporter, and each report's state ----------
summary_steps = Table(
    "summary_steps",
    metadata,
    Column("campaign", String(64), primary_key=True),
    Column("reporters", String(100), nullable=False),  # JSON list, e.g. ["county", "organizer"]
    Column("version", Integer, nullable=False),
)

summary_reports = Table(
    "summary_reports",
    metadata,
    Column("summary_id", String(64), primary_key=True),
    Column("campaign", String(64), nullable=False),
    Column("reporter", String(120), nullable=False),
    Column("reporter_kind", String(10), nullable=False),
    Column("region_code", String(12), nullable=False),
    Column("submitted", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_summary_reports_campaign", "campaign", "reporter_kind", "region_code"),
)
