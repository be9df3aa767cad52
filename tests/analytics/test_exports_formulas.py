"""Spreadsheet formula injection (issue 17): every analytics table, as CSV and as XLSX, writes names
that start like a formula (``= + - @``, tab, CR) as inert text a person reads unchanged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.analytics.exports.catalog import TABLES
from tests.fixtures.spreadsheets import HOSTILE, csv_values, read_back, xlsx_values

from .test_exports import ADMIN, Service, fact, started

ROWS = [
    fact(
        i,
        name=name,
        organizer_name=name,
        category=name,
        joint_action=name,
        contact_name=name[:3],
        address=name,
        key_activity=True,
        withdrawn=False,
        region_code="610502",
        county="610502",
        city="6105",
        province="61",
    )
    for i, name in enumerate(HOSTILE)
]


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Service]:
    async with started(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}", ROWS) as running:
        yield running


@pytest.mark.parametrize("table", sorted(TABLES))
async def test_every_table_writes_formula_like_text_as_text(service: Service, table: str) -> None:
    for region in (None, "6105"):
        params = {"region": region} if region else {}
        as_csv = await service.get(f"{table}.csv", ADMIN, **params)
        as_xlsx = await service.get(f"{table}.xlsx", ADMIN, **params)
        assert as_csv.status_code == as_xlsx.status_code == 200, (as_csv.text, as_xlsx.text)
        texts = csv_values(as_csv.content)
        values = [v for v in xlsx_values(as_xlsx.content) if isinstance(v, str)]
        if table != "by-region":  # a region table names regions, not activities
            assert set(HOSTILE) <= set(texts), (table, texts)  # CSV keeps every character
            assert {read_back(n) for n in HOSTILE} <= set(values), (table, values)
