"""Programmes and science routes (issue 19): the directory's ``programme`` column (the 2024 flagship
programmes filter), the science routes and their check-ins.

Revision ID: 19_routes_0001
Revises: 19_media_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "19_routes_0001"
down_revision = "19_media_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("directory_activities", sa.Column("programme", sa.String(64)))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE directory_activities SET programme = (data::json ->> 'programme') WHERE data IS NOT NULL")
    else:
        op.execute(
            "UPDATE directory_activities SET programme = json_extract(data, '$.programme') WHERE data IS NOT NULL"
        )
    op.create_table(
        "science_routes",
        sa.Column("route_id", sa.String(64), primary_key=True),
        sa.Column("campaign_id", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("owner_unit", sa.String(64)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_science_routes_campaign_id", "science_routes", ["campaign_id"])
    op.create_index("ix_science_routes_owner", "science_routes", ["owner"])
    op.create_table(
        "route_check_ins",
        sa.Column("route_id", sa.String(64), primary_key=True),
        sa.Column("visitor_ref", sa.String(32), primary_key=True),
        sa.Column("stop_key", sa.String(80), primary_key=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("route_check_ins")
    op.drop_index("ix_science_routes_owner", "science_routes")
    op.drop_index("ix_science_routes_campaign_id", "science_routes")
    op.drop_table("science_routes")
    with op.batch_alter_table("directory_activities") as batch:
        batch.drop_column("programme")
