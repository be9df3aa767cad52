"""Registration's database schema: the backbone tables and the accounts and contacts it keeps private."""

from sqlalchemy import Column, DateTime, Float, Index, Integer, MetaData, String, Table, Text

from shared.store import add_backbone_tables

metadata = MetaData()
add_backbone_tables(metadata)

# Who may sign in: organizer units' accounts (and, later, reviewers and admins). The login is unique.
accounts = Table(
    "accounts",
    metadata,
    Column("account_id", String(32), primary_key=True),
    Column("login", String(32), nullable=False, unique=True),
    Column("password_hash", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    Column("unit_id", String(32)),
    Column("level", String(16)),
    Column("jurisdiction", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# A unit's contact person in clear: never on a general topic, never in a public answer.
unit_contacts = Table(
    "unit_contacts",
    metadata,
    Column("unit_id", String(32), primary_key=True),
    Column("contact_name", String(50), nullable=False),
    Column("contact_phone", String(20), nullable=False),
)

# Campaigns as last configured (the events table holds their history).
campaigns = Table(
    "campaigns",
    metadata,
    Column("campaign_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("year", Integer, nullable=False),
    Column("data", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Drafts: an organizer's unsubmitted activities, private to the unit, never on a stream.
drafts = Table(
    "drafts",
    metadata,
    Column("draft_id", String(32), primary_key=True),
    Column("unit_id", String(32), nullable=False),
    Column("campaign_id", String(64)),
    Column("revision", Integer, nullable=False),
    Column("data", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_drafts_unit", "unit_id", "created_at"),
)

# Activities as they stand, written in the transaction that appends their events: the organizer's
# dashboard and ownership checks read this. ``data`` holds the details in clear (contacts included).
activities = Table(
    "activities",
    metadata,
    Column("activity_id", String(32), primary_key=True),
    Column("unit_id", String(32), nullable=False),
    Column("campaign_id", String(64)),
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("region_code", String(6), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("completeness", Float, nullable=False),
    Column("review_status", String(16), nullable=False),
    Column("review_reason", Text),
    Column("data", Text, nullable=False),
    Column("info", Text),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_activities_unit", "unit_id", "registered_at"),
    Index("ix_activities_campaign_region", "campaign_id", "region_code"),
)

# Participating science workers in clear (restricted): the one store of their contacts, so that
# erasing a person deletes rows here and never rewrites the event log.
science_workers = Table(
    "science_workers",
    metadata,
    Column("activity_id", String(32), primary_key=True),
    Column("worker_id", String(32), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("name", String(50), nullable=False),
    Column("phone", String(20), nullable=False),
    Column("organisation", String(100)),
    Index("ix_science_workers_phone", "phone"),
)
