"""Registration's database schema: the backbone tables and the accounts and contacts it keeps private."""

from sqlalchemy import Column, DateTime, MetaData, String, Table

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
