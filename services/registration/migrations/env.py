"""Alembic environment of registration's database."""

from services.registration.adapters.tables import metadata
from shared.store.migrations import run_env

run_env(metadata)
