"""The registry of exportable tables, by the name the URL gives (``/exports/{name}.csv``)."""

from __future__ import annotations

from ..domain.errors import UnknownTable
from .aggregate_tables import BY_CATEGORY, BY_REGION
from .detail import ACTIVITIES, KEY_ACTIVITIES
from .model import ExportTable

TABLES: dict[str, ExportTable] = {t.name: t for t in (ACTIVITIES, KEY_ACTIVITIES, BY_REGION, BY_CATEGORY)}


def table_named(name: str) -> ExportTable:
    """The table called ``name``; refused naming the tables there are otherwise."""
    table = TABLES.get(name)
    if table is None:
        raise UnknownTable(f"No export table {name!r}; there are: {', '.join(TABLES)}")
    return table
