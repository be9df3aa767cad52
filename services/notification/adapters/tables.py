"""Notification's database schema: the backbone tables, the restricted contacts it needs, the ledger.

``campaigns``, ``activities`` and ``workers`` are built from the streams (the workers' clear contacts come only from
the restricted topic and stay here). ``messages`` is the delivery ledger: one row per
(event, recipient, channel), reserved before anything is sent, so a redelivered event or a restart
never sends twice; its states are queued → sending → sent → delivered, or failed. ``opt_outs``
records who asked for no more messages (a reply of 退订, or the API). ``pending_receipts`` keeps the
delivery receipts that arrived before their message's provider id was recorded.
"""

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, MetaData, String, Table, Text

from shared.store import add_backbone_tables

metadata = MetaData()
add_backbone_tables(metadata)

campaigns = Table(
    "campaigns",
    metadata,
    Column("campaign_id", String(64), primary_key=True),
    Column("title", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("registration_closes_on", String(10)),
    Column("info_completion_deadline", String(10)),
    Column("reminder_days", String(100)),  # JSON list of days before a deadline, e.g. [7, 3, 1]
    Column("recommendation_deadlines", String(200)),  # JSON {level: last day}, e.g. {"county": "2026-10-10"}
    Column("thank_you_sms", Boolean),  # the campaign's setting; None (not said) sends them
    Column("key_activity_plan_deadline", String(10)),  # 附件1 due (settings.key_activity_plan_deadline)
    Column("summary_deadline", String(10)),
    Column("summary_reporters", String(100)),  # JSON list: settings.summary.reporters (工作总结)
)

# The summary reports (工作总结) submitted, so that their reporters are not reminded of the deadline.
summaries_submitted = Table(
    "summaries_submitted",
    metadata,
    Column("campaign", String(64), primary_key=True),
    Column("reporter", String(120), primary_key=True),
)

activities = Table(
    "activities",
    metadata,
    Column("activity_id", String(64), primary_key=True),
    Column("campaign", String(64)),
    Column("name", String(200)),
    Column("organizer_id", String(64)),
    Column("organizer_name", String(200)),
    Column("info_completed", Boolean, nullable=False, default=False),
    Column("version", Integer, nullable=False, default=0),
    Column("workers_version", Integer, nullable=False, default=0),
    Column("region_code", String(12)),
)

workers = Table(
    "workers",
    metadata,
    Column("activity_id", String(64), primary_key=True),
    Column("worker_id", String(64), primary_key=True),
    Column("name", String(50), nullable=False),
    Column("phone", String(20), nullable=False),
    Column("organisation", String(100)),
)

messages = Table(
    "messages",
    metadata,
    Column("event_id", String(80), primary_key=True),
    Column("recipient", String(254), primary_key=True),
    Column("channel", String(8), primary_key=True),
    Column("notification_id", String(32), nullable=False, unique=True),
    Column("kind", String(40), nullable=False),
    Column("recipient_masked", String(254), nullable=False),
    Column("organizer_id", String(64)),
    Column("activity_id", String(64)),
    Column("campaign", String(64)),
    Column("sign", String(100)),
    Column("subject", String(200)),
    Column("text", Text, nullable=False),
    Column("state", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("provider_message_id", String(100)),
    Column("error", String(500)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_messages_due", "state", "next_attempt_at"),
    Index("ix_messages_organizer", "organizer_id", "created_at"),
    Index("ix_messages_provider", "provider_message_id"),
)

# Which phone each person's key (shared/privacy) opened to: ``personal-data-erased`` names key ids only.
subject_phones = Table(
    "subject_phones",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("phone", String(20), nullable=False),
    Index("ix_subject_phones_phone", "phone"),
)

opt_outs = Table(
    "opt_outs",
    metadata,
    Column("recipient", String(254), primary_key=True),
    Column("source", String(10), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

# Delivery receipts that came before the provider's message id was recorded (the send's answer and its
# receipt race): applied in the transaction that records the id, dropped after a retention (receipts.py).
pending_receipts = Table(
    "pending_receipts",
    metadata,
    Column("provider_message_id", String(100), primary_key=True),
    Column("delivered", Boolean, nullable=False),
    Column("error", String(500)),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Index("ix_pending_receipts_received", "received_at"),
)

# What each recommendation is about (from ``recommended`` / ``unit-recommended``), so that later acts on
# it (endorsed, declined, commended) reach the organizer concerned.
recommendations = Table(
    "recommendations",
    metadata,
    Column("recommendation_id", String(64), primary_key=True),
    Column("activity_id", String(64)),
    Column("unit_id", String(64)),
    Column("subject_name", String(200)),
)
