"""Notification's database schema: the backbone tables (the delivery ledger joins in a later revision)."""

from sqlalchemy import MetaData

from shared.store import add_backbone_tables

metadata = MetaData()
add_backbone_tables(metadata)
