"""Alembic environment of analytics's database."""

from services.analytics.adapters.tables import metadata
from shared.store.migrations import run_env

run_env(metadata)
