"""What an organizer registered and completed, in review's view, so that reviewers see what they judge:
description, time, place, URL, contact (masked, as the general topic carries it), turnout, photos,
videos, news links and summary. Activities seen before this migration keep empty details until the
next activity-updated / info-completed fills the fields it carries (docs/review.md).

Revision ID: 19_content_0001
Revises: 19_indicators_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "19_content_0001"
down_revision = "19_indicators_0001"
branch_labels = None
depends_on = None

COLUMNS = (
    ("description", sa.Text),
    ("starts_at", sa.DateTime(timezone=True)),
    ("ends_at", sa.DateTime(timezone=True)),
    ("address", sa.String(300)),
    ("online_url", sa.String(500)),
    ("key_activity", sa.Boolean),
    ("expected_participants", sa.Integer),
    ("target_groups", sa.Text),
    ("co_organizers", sa.Text),
    ("programme", sa.String(50)),
    ("contact_name_masked", sa.String(50)),
    ("contact_phone_masked", sa.String(30)),
    ("photo_urls", sa.Text),
    ("video_urls", sa.Text),
    ("news_urls", sa.Text),
    ("actual_participants", sa.Integer),
    ("summary", sa.Text),
)


def upgrade() -> None:
    with op.batch_alter_table("review_activities") as table:
        for name, kind in COLUMNS:
            table.add_column(sa.Column(name, kind))


def downgrade() -> None:
    with op.batch_alter_table("review_activities") as table:
        for name, _ in reversed(COLUMNS):
            table.drop_column(name)
