"""Alembic environment of notification's database."""

from services.notification.adapters.tables import metadata
from shared.store.migrations import run_env

run_env(metadata)
