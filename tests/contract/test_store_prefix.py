"""The store's prefix match (``shared.store.starts_with``) on every backend: exactly the rows whose
code starts with the prefix, and on SQLite found through an index on the column, not by reading
every row (see store_support.py for the backends)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, Index, Integer, MetaData, String, Table, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.store import create_engine, reading, starts_with, transaction
from shared.store.prefix import next_prefix
from tests.contract.store_support import OnPostgres, OnSQLite, StoreFixtures

CODES = Table(
    "contract_codes",
    MetaData(),
    Column("n", Integer, primary_key=True),
    Column("code", String(12), nullable=False),
    Index("ix_contract_codes_code", "code"),
)
# region codes and their neighbours at every edge of a range: a prefix's last digit carried, nines,
# codes shorter than the prefix, and codes holding LIKE's wildcards
STORED = ["1", "11", "110000", "110101", "110101001", "110102", "1101", "119999", "12", "120101", "19", "199",
          "2", "20", "9", "99", "999001", "4201", "4299", "429901", "43", "11%", "11_1", "1_", "abc", "ab%"]  # fmt: skip
PREFIXES = ["", "1", "11", "110101", "1101", "119", "19", "4299", "9", "99", "11%", "1_", "ab", "ab%", "0"]


@pytest.mark.parametrize(
    ("digits", "after"),
    [("110101", "110102"), ("4299", "43"), ("119", "12"), ("19", "2"), ("1", "2"), ("99", None), ("9", None)],
)
def test_the_next_prefix_is_the_least_string_after_every_code_that_starts_so(digits: str, after: str | None) -> None:
    assert next_prefix(digits) == after


class PrefixContract(StoreFixtures):
    """What every backend must answer for a prefix match."""

    @pytest.fixture
    async def codes(self, database_url: str) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(database_url)
        async with transaction(engine) as connection:
            await connection.run_sync(CODES.metadata.create_all)
            await connection.execute(CODES.insert(), [{"n": n, "code": code} for n, code in enumerate(STORED)])
        yield engine
        await engine.dispose()

    @pytest.mark.parametrize("prefix", PREFIXES)
    async def test_a_prefix_matches_exactly_the_codes_that_start_with_it(self, codes: AsyncEngine, prefix: str) -> None:
        query = select(CODES.c.code).where(starts_with(CODES.c.code, prefix))

        async def matched(connection):  # type: ignore[no-untyped-def]
            return sorted((await connection.execute(query)).scalars())

        assert await reading(codes, matched) == sorted(code for code in STORED if code.startswith(prefix))


class TestPrefixOnSQLite(OnSQLite, PrefixContract):
    async def test_a_digit_prefix_is_found_through_the_columns_index(self, codes: AsyncEngine) -> None:
        """SQLAlchemy's ``startswith`` alone (a LIKE) reads the whole table: the plan says SCAN."""
        query = select(CODES.c.n).where(starts_with(CODES.c.code, "1101"))
        compiled = query.compile(codes, compile_kwargs={"literal_binds": True})

        async def plan(connection):  # type: ignore[no-untyped-def]
            return [row[-1] for row in await connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))]

        assert any("ix_contract_codes_code (code>? AND code<?)" in step for step in await reading(codes, plan))


class TestPrefixOnPostgres(OnPostgres, PrefixContract):
    pass
