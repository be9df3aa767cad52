"""Alembic environment of review's database."""

from services.review.adapters.tables import metadata
from shared.store.migrations import run_env

run_env(metadata)
