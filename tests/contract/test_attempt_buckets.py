"""The contract of the account limits' buckets (``AttemptBuckets``, services/registration/service/ports.py),
run against the in-memory fake the fast tests use and against registration's database on SQLite and
PostgreSQL: a limit's tokens, their refill, all-or-none takes, tokens given back, and one limit shared
by two instances on one database (two API workers or replicas), however their attempts interleave."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.registration.adapters.attempt_buckets import SqlAttemptBuckets
from services.registration.adapters.tables import attempt_buckets
from services.registration.service.ports import AttemptBuckets, Limit
from shared.store import create_engine
from shared.store.migrations import migrate
from tests.registration.fakes import FakeAttemptBuckets

from .store_support import MIGRATIONS, OnPostgres, OnSQLite, StoreFixtures, count_rows

SECRET = b"the service's signing key"
LOGINS = Limit("login-failures/login", 3, 900)  # one token back every 300 s
ADDRESSES = Limit("login-failures/address", 5, 900)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class AttemptBucketsContract:
    @pytest.fixture
    def clock(self) -> Clock:
        return Clock()

    @pytest.fixture
    async def pair(self, clock: Clock) -> AsyncIterator[tuple[AttemptBuckets, AttemptBuckets]]:
        """Two instances over the same buckets."""
        raise NotImplementedError
        yield

    @pytest.fixture
    def buckets(self, pair: tuple[AttemptBuckets, AttemptBuckets]) -> AttemptBuckets:
        return pair[0]

    async def test_a_limit_allows_its_attempts_then_says_how_long_to_wait(self, buckets: AttemptBuckets) -> None:
        assert [await buckets.take([(LOGINS, "13800000001")]) for _ in range(3)] == [None, None, None]
        assert await buckets.take([(LOGINS, "13800000001")]) == 300
        assert await buckets.take([(LOGINS, "13800000002")]) is None  # another key, its own bucket

    async def test_a_bucket_refills_at_the_limit_s_rate_and_no_further(
        self, buckets: AttemptBuckets, clock: Clock
    ) -> None:
        for _ in range(3):
            await buckets.take([(LOGINS, "a")])
        clock.now += 200
        assert await buckets.take([(LOGINS, "a")]) == 100  # two thirds of a token so far
        clock.now += 100
        assert await buckets.take([(LOGINS, "a")]) is None
        clock.now += 86_400  # a day: full again, never more than the limit
        assert [await buckets.take([(LOGINS, "a")]) for _ in range(4)] == [None, None, None, 300]

    async def test_an_attempt_takes_from_every_bucket_or_from_none(self, buckets: AttemptBuckets) -> None:
        for _ in range(3):
            await buckets.take([(LOGINS, "victim")])
        for _ in range(3):  # refused on the login: the address's bucket keeps its tokens
            assert await buckets.take([(ADDRESSES, "192.0.2.1"), (LOGINS, "victim")]) == 300
        assert [await buckets.take([(ADDRESSES, "192.0.2.1")]) for _ in range(6)] == [None] * 5 + [180]

    async def test_a_token_given_back_counts_again_but_never_past_the_limit(self, buckets: AttemptBuckets) -> None:
        await buckets.give_back([(LOGINS, "fresh")])  # nothing taken: still three, not four
        for _ in range(3):
            assert await buckets.take([(LOGINS, "fresh")]) is None
        await buckets.give_back([(LOGINS, "fresh")])
        assert await buckets.take([(LOGINS, "fresh")]) is None
        assert await buckets.take([(LOGINS, "fresh")]) == 300

    async def test_two_instances_enforce_one_limit_however_their_attempts_interleave(
        self, pair: tuple[AttemptBuckets, AttemptBuckets]
    ) -> None:
        first, second = pair
        attempts = [(ADDRESSES, "198.51.100.7"), (LOGINS, "13800000009")]
        taken = await asyncio.gather(*(b.take(attempts) for _ in range(12) for b in (first, second)))
        assert taken.count(None) == 3
        assert await first.take([(ADDRESSES, "198.51.100.7")]) is None  # the refusals took nothing
        assert await second.take([(ADDRESSES, "198.51.100.7")]) is None
        assert await first.take([(ADDRESSES, "198.51.100.7")]) == 180


class TestAttemptBucketsFake(AttemptBucketsContract):
    @pytest.fixture
    async def pair(self, clock: Clock) -> AsyncIterator[tuple[AttemptBuckets, AttemptBuckets]]:
        fake = FakeAttemptBuckets(clock)  # one process's dict: both "instances" are the same
        yield fake, fake


class OnDatabase(StoreFixtures, AttemptBucketsContract):
    @pytest.fixture
    async def pair(
        self, engine: AsyncEngine, database_url: str, clock: Clock
    ) -> AsyncIterator[tuple[AttemptBuckets, AttemptBuckets]]:
        other = create_engine(database_url)  # its own connections, as another process has
        await migrate(other, MIGRATIONS)
        try:
            yield SqlAttemptBuckets(engine, SECRET, clock=clock), SqlAttemptBuckets(other, SECRET, clock=clock)
        finally:
            await other.dispose()

    async def test_the_sweep_deletes_only_buckets_that_have_refilled(
        self, pair: tuple[AttemptBuckets, AttemptBuckets], clock: Clock
    ) -> None:
        buckets = pair[0]
        assert isinstance(buckets, SqlAttemptBuckets)
        await buckets.take([(LOGINS, "spent")])
        clock.now += 299
        assert await buckets.sweep() == 0  # one token short of full
        await buckets.take([(ADDRESSES, "later")])
        clock.now += 1
        assert await buckets.sweep() == 1  # "spent" has refilled, "later" has not
        assert await buckets.take([(ADDRESSES, "later")]) is None  # still counted: four left before this

    async def test_a_take_sweeps_first_once_a_minute_has_passed(
        self, pair: tuple[AttemptBuckets, AttemptBuckets], engine: AsyncEngine, clock: Clock
    ) -> None:
        buckets = pair[0]
        await buckets.take([(LOGINS, "early")])
        clock.now += 30
        await buckets.take([(ADDRESSES, "busy")])
        assert await count_rows(engine, attempt_buckets) == 2  # no sweep within the minute
        clock.now += 300  # "early" has refilled, "busy" (one token every 180 s) too
        await buckets.take([(LOGINS, "late")])
        assert await count_rows(engine, attempt_buckets) == 1

    async def test_no_login_phone_or_address_is_kept_in_the_clear(
        self, pair: tuple[AttemptBuckets, AttemptBuckets], engine: AsyncEngine
    ) -> None:
        await pair[0].take([(ADDRESSES, "203.0.113.77"), (LOGINS, "13912345678")])
        async with engine.connect() as connection:
            keys = list((await connection.execute(select(attempt_buckets.c.key))).scalars())
        assert len(keys) == 2 and not any("13912345678" in k or "203.0.113" in k for k in keys)
        other_secret = SqlAttemptBuckets(engine, b"another service's key")
        assert await other_secret.take([(LOGINS, "13912345678")]) is None  # its own buckets


class TestAttemptBucketsOnSQLite(OnSQLite, OnDatabase):
    pass


class TestAttemptBucketsOnPostgres(OnPostgres, OnDatabase):
    pass
