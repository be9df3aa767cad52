"""The public activity directory: its view, the campaigns' auto-approval history, the search index.

On SQLite the search index is an FTS5 table of pre-tokenized text (see directory/search.py); on
PostgreSQL it is a GIN index on the view's ``tsvector`` column.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BY_START = ["starts_at", "activity_id"]


def upgrade() -> None:
    op.create_table(
        "directory_activities",
        sa.Column("activity_id", sa.String(64), primary_key=True),
        sa.Column("doc_id", sa.BigInteger, nullable=False, unique=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("review_version", sa.Integer, nullable=False),
        sa.Column("review", sa.String(16), nullable=False),
        sa.Column("auto_approved", sa.Boolean, nullable=False),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
        sa.Column("public", sa.Boolean, nullable=False),
        sa.Column("campaign_id", sa.String(64)),
        sa.Column("registered_at", sa.DateTime(timezone=True)),
        sa.Column("region_code", sa.String(6)),
        sa.Column("province", sa.String(2)),
        sa.Column("city", sa.String(4)),
        sa.Column("starts_at", sa.DateTime(timezone=True)),
        sa.Column("ends_at", sa.DateTime(timezone=True)),
        sa.Column("format", sa.String(8)),
        sa.Column("category", sa.String(64)),
        sa.Column("themes", sa.Text),
        sa.Column("target_groups", sa.Text),
        sa.Column("key_activity", sa.Boolean, nullable=False),
        sa.Column("latitude", sa.Float),
        sa.Column("longitude", sa.Float),
        sa.Column("x", sa.Float),
        sa.Column("y", sa.Float),
        sa.Column("z", sa.Float),
        sa.Column("data", sa.Text),
        sa.Column("search_vector", sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")),
        sa.Column("check_ins", sa.BigInteger, nullable=False),
        sa.Column("ratings", sa.BigInteger, nullable=False),
        sa.Column("rating_sum", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_directory_starts", "directory_activities", ["public", *BY_START])
    op.create_index("ix_directory_province", "directory_activities", ["public", "province", *BY_START])
    op.create_index("ix_directory_city", "directory_activities", ["public", "city", *BY_START])
    op.create_index("ix_directory_county", "directory_activities", ["public", "region_code", *BY_START])
    op.create_index("ix_directory_campaign", "directory_activities", ["public", "campaign_id", *BY_START])
    op.create_index("ix_directory_place", "directory_activities", ["public", "latitude", "longitude"])
    op.create_table(
        "directory_campaigns",
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("configured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("auto_approve", sa.Boolean, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_directory_search", "directory_activities", ["search_vector"], postgresql_using="gin")
    else:
        op.execute("CREATE VIRTUAL TABLE directory_search USING fts5(tokens, content='', tokenize='ascii')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE directory_search")
    op.drop_table("directory_campaigns")
    op.drop_table("directory_activities")
