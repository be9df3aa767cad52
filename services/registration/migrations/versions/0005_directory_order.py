"""The directory's read paths at scale: search-index rows in listing order, a near-me index by band.

- ``band`` (the latitude band, directory/geo.py) and ``ix_directory_near`` on (public, band,
  longitude, x, y, z, activity_id) replace ``ix_directory_place``: near-me reads one range of
  longitudes per band and its distances from the index alone.
- On SQLite the full-text rows are numbered in listing order (directory/order.py) and carry the
  region and campaign as tokens (directory/index.py): every row is renumbered and the index filled
  again from the listings the view holds (about a minute for 500,000 activities). PostgreSQL's
  text index is unchanged.

Revision ID: 0005
Revises: 0004
"""

import hashlib

import sqlalchemy as sa
from alembic import op

from services.registration.directory.listing import Listing
from services.registration.directory.order import rebuild
from services.registration.directory.search import document_tokens, fts5_document

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# floor(latitude * 20), as directory.geo.band_of computes it; SQLite's CAST truncates toward zero.
BAND = {
    "postgresql": "floor(latitude * 20)",
    "sqlite": "CAST(latitude * 20 AS INTEGER) - (latitude * 20 < CAST(latitude * 20 AS INTEGER))",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("directory_activities", sa.Column("band", sa.Integer))
    op.execute(f"UPDATE directory_activities SET band = {BAND[dialect]} WHERE latitude IS NOT NULL")
    op.drop_index("ix_directory_place", "directory_activities")
    op.create_index(
        "ix_directory_near", "directory_activities", ["public", "band", "longitude", "x", "y", "z", "activity_id"]
    )
    if dialect == "sqlite":
        rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_directory_near", "directory_activities")
    op.create_index("ix_directory_place", "directory_activities", ["public", "latitude", "longitude"])
    op.drop_column("directory_activities", "band")
    if op.get_bind().dialect.name == "sqlite":
        _number_by_hash()


def _number_by_hash() -> None:
    """Revision 0004's search index: rows numbered by a hash of their id, documents of text only."""
    connection = op.get_bind()
    connection.exec_driver_sql("INSERT INTO directory_search(directory_search) VALUES ('delete-all')")
    rows = connection.exec_driver_sql("SELECT activity_id, data FROM directory_activities").all()
    numbers = [(-(1 << 62) - i, row[0]) for i, row in enumerate(rows)]
    numbers += [
        (int.from_bytes(hashlib.blake2b(row[0].encode(), digest_size=8).digest(), "big") >> 1, row[0]) for row in rows
    ]
    connection.exec_driver_sql("UPDATE directory_activities SET doc_id = ? WHERE activity_id = ?", numbers)
    documents = [
        (number, fts5_document(document_tokens(Listing.model_validate_json(row[1]).searchable())))
        for (number, _), row in zip(numbers[len(rows) :], rows, strict=True)
        if row[1] is not None
    ]
    connection.exec_driver_sql("INSERT INTO directory_search(rowid, tokens) VALUES (?, ?)", documents)
