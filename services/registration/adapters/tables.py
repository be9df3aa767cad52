"""Registration's database schema: the backbone tables (its own tables join in later revisions)."""

from sqlalchemy import MetaData

from shared.store import add_backbone_tables

metadata = MetaData()
add_backbone_tables(metadata)
