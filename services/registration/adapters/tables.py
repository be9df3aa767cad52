"""Registration's database schema: the backbone tables and the accounts and contacts it keeps private."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
)
from sqlalchemy.dialects.postgresql import TSVECTOR

from shared.consumer.once import counted_events_table
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
    # A disabled account cannot log in; tokens issued before ``tokens_not_before`` (seconds since the
    # epoch, set by a sign-out, a revocation or disabling) are refused by every service.
    Column("disabled", Boolean, nullable=False, server_default=false()),
    Column("tokens_not_before", Float, index=True),
    # A staff account's mobile, for password resets (an organizer's is its login); never on a stream.
    Column("phone", String(20), index=True),
)

# A password-reset code in force, one per account: hashed, single use, expiring (seconds since the epoch).
password_resets = Table(
    "password_resets",
    metadata,
    Column("account_id", String(32), primary_key=True),
    Column("code_hash", String(128), nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("failures", Integer, nullable=False, server_default="0"),
)

# The account limits' token buckets (adapters/attempt_buckets.py): one row per limit and key (an HMAC
# of a login, a phone or a client address) counted lately; no row is a full bucket.
attempt_buckets = Table(
    "attempt_buckets",
    metadata,
    Column("limit_name", String(32), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("counted_at", Float, nullable=False),  # seconds since the epoch
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
    # The sequence of the review service's last verdict applied (projections/review_outcomes.py): an
    # older or repeated verdict changes nothing. Commands never write it.
    Column("review_version", Integer, nullable=False, server_default="0"),
    Column("data", Text, nullable=False),
    Column("info", Text),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_activities_unit", "unit_id", "registered_at"),
    Index("ix_activities_campaign_region", "campaign_id", "region_code"),
)

# Each county's 附件1 key-activity plan as its city signed it off (state beside its events, see key_plans.py).
key_activity_plans = Table(
    "key_activity_plans",
    metadata,
    Column("campaign_id", String(64), primary_key=True),
    Column("region_code", String(6), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("signed_off", Boolean, nullable=False),
    Column("key_activities", Integer, nullable=False),
    Column("changed_by", String(64), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

# Participating science workers in clear (restricted): the one store of their contacts, so that
# erasing a person deletes rows here and never rewrites the event log. ``key_id`` is the person's key
# their entry on the restricted topic is sealed with ('' for entries listed before sealing existed);
# a row is only written while that key is still the person's (see activities.py, ``_worker_rows``).
science_workers = Table(
    "science_workers",
    metadata,
    Column("activity_id", String(32), primary_key=True),
    Column("worker_id", String(32), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("name", String(50), nullable=False),
    Column("phone", String(20), nullable=False),
    Column("organisation", String(100)),
    Column("key_id", String(32), nullable=False, server_default=""),
    Index("ix_science_workers_phone", "phone"),
)

# Each person's key in the key vault (shared/privacy/vault.py), by phone: their science-worker entries
# on the restricted topic are sealed with it. Erasure destroys the key and deletes this row.
personal_keys = Table(
    "personal_keys",
    metadata,
    Column("phone", String(20), primary_key=True),
    Column("key_id", String(32), nullable=False, unique=True),
)

# The erasures done (PIPL art. 47): who ordered them and how much they erased, never whom.
erasures = Table(
    "erasures",
    metadata,
    Column("erasure_id", String(32), primary_key=True),
    Column("requested_by", String(64), nullable=False),
    Column("science_worker_entries", Integer, nullable=False),
    Column("contact_entries", Integer, nullable=False),
    Column("keys_destroyed", Integer, nullable=False),
    Column("erased_at", DateTime(timezone=True), nullable=False),
    Column("unit_contacts", Integer, nullable=False, server_default="0"),
    Column("accounts_closed", Integer, nullable=False, server_default="0"),
)


# ── The public activity directory: a view built from the streams (services/registration/directory/) ──

# One row per activity the streams mention, public or not: its public fields (``data``, JSON), what
# search, filters and near-me need as columns, and its check-in and rating counters. ``version`` and
# ``review_version`` are the last sequence applied from each stream; ``x``, ``y``, ``z`` are the
# unit vector of where near-me places it (see directory/geo.py), ``band`` its latitude band (the
# near-me index). ``doc_id`` is the activity's row in the SQLite full-text index, numbered in listing
# order (see directory/order.py); on PostgreSQL ``search_vector`` is the index.
directory_activities = Table(
    "directory_activities",
    metadata,
    Column("activity_id", String(64), primary_key=True),
    Column("doc_id", BigInteger, nullable=False, unique=True),
    Column("version", Integer, nullable=False),
    Column("review_version", Integer, nullable=False),
    Column("review", String(16), nullable=False),
    Column("auto_approved", Boolean, nullable=False),
    Column("withdrawn", Boolean, nullable=False),
    Column("public", Boolean, nullable=False),
    Column("campaign_id", String(64)),
    Column("registered_at", DateTime(timezone=True)),
    Column("region_code", String(6)),
    Column("province", String(2)),
    Column("city", String(4)),
    Column("starts_at", DateTime(timezone=True)),
    Column("ends_at", DateTime(timezone=True)),
    Column("format", String(8)),
    Column("category", String(64)),
    Column("programme", String(64)),
    Column("themes", Text),
    Column("target_groups", Text),
    Column("key_activity", Boolean, nullable=False),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("x", Float),
    Column("y", Float),
    Column("z", Float),
    Column("band", Integer),
    Column("data", Text),
    Column("search_vector", Text().with_variant(TSVECTOR(), "postgresql")),
    Column("check_ins", BigInteger, nullable=False),
    Column("ratings", BigInteger, nullable=False),
    Column("rating_sum", BigInteger, nullable=False),
    Index("ix_directory_starts", "public", "starts_at", "activity_id"),
    Index("ix_directory_province", "public", "province", "starts_at", "activity_id"),
    Index("ix_directory_city", "public", "city", "starts_at", "activity_id"),
    Index("ix_directory_county", "public", "region_code", "starts_at", "activity_id"),
    Index("ix_directory_campaign", "public", "campaign_id", "starts_at", "activity_id"),
    Index("ix_directory_near", "public", "band", "longitude", "x", "y", "z", "activity_id"),
    Index("ix_directory_search", "search_vector", postgresql_using="gin", info={"only_on": "postgresql"}).ddl_if(
        dialect="postgresql"
    ),
)

# Each configuration of a campaign, as far as the directory cares: whether activities registered
# while it was in force became public without review.
directory_campaigns = Table(
    "directory_campaigns",
    metadata,
    Column("campaign_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("configured_at", DateTime(timezone=True), nullable=False),
    Column("auto_approve", Boolean, nullable=False),
)

# The check-ins and ratings the directory has counted, by event id: the participation stream carries
# no version, and an event the relay published twice must not be counted twice.
directory_counted = counted_events_table(metadata, "directory_counted_events")

# The public page's 汇聚展示 (projections/showcase.py): what the info completion and the live stream add.
directory_showcase = Table(
    "directory_showcase",
    metadata,
    Column("activity_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("info", Text),
    Column("live", Text),
)

# SQLite's full-text index of the directory (an FTS5 table and its shadow tables, made by migration
# 0004): not a table SQLAlchemy can describe, so the migration check leaves these names alone.
DIRECTORY_SEARCH = "directory_search"
metadata.info.setdefault("unmapped_tables", set()).update(
    {DIRECTORY_SEARCH, *(f"{DIRECTORY_SEARCH}_{shadow}" for shadow in ("data", "idx", "docsize", "config", "content"))}
)

# ── Science routes (科普路线, services/registration/service/science_routes.py) ──

# Each route as last published: its campaign, who owns it (the account that made it; its unit for an
# organizer), its version (the ``route-published`` events' sequence), name, and ``data`` (JSON: the
# description and the ordered stops).
science_routes = Table(
    "science_routes",
    metadata,
    Column("route_id", String(64), primary_key=True),
    Column("campaign_id", String(64), nullable=False, index=True),
    Column("owner", String(64), nullable=False, index=True),
    Column("owner_unit", String(64)),
    Column("version", Integer, nullable=False),
    Column("name", String(64), nullable=False),
    Column("data", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Who has checked in at which stop of a route (联动打卡): a visitor only as a keyed hash of the id
# their browser keeps, a stop by its key (``a:<activity id>`` or ``v:<venue name>``). Once per
# visitor and stop; a visitor has completed the route when every current stop has a row.
route_check_ins = Table(
    "route_check_ins",
    metadata,
    Column("route_id", String(64), primary_key=True),
    Column("visitor_ref", String(32), primary_key=True),
    Column("stop_key", String(80), primary_key=True),
    Column("checked_at", DateTime(timezone=True), nullable=False),
)
