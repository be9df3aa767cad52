"""Review's database schema: the backbone tables and its own view of activities."""

from sqlalchemy import Column, Integer, MetaData, String, Table

from shared.store import add_backbone_tables

metadata = MetaData()
add_backbone_tables(metadata)

# Review's own view of the activities it may judge, built from the activities stream only.
review_activities = Table(
    "review_activities",
    metadata,
    Column("activity_id", String(64), primary_key=True),
    Column("campaign", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("organizer_name", String(200), nullable=False),
    Column("region_code", String(12), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False),
)
