"""Analytics' database schema: the backbone tables and the views built from the streams."""

from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table

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
