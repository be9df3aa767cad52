"""The argon2 pool for real: hashes and verifies beside the event loop on threads or on processes,
closes with the app leaving no worker behind, and a login replaces a hash of old parameters."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from pathlib import Path

import argon2
import httpx
import pytest
from sqlalchemy import select, update

from services.registration.adapters.password_hashing import Argon2Hashing, Argon2Parameters, Pool
from services.registration.adapters.tables import accounts
from services.registration.bootstrap import build, create_app
from services.registration.settings import RegistrationSettings
from tests.factories import PASSWORD

CHEAP = Argon2Parameters(time_cost=1, memory_kib=8192, parallelism=1)
POOLS = ["thread", "process"]


def argon2_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("argon2")]


def workers_alive(pids: set[int]) -> set[int]:
    children = {p.pid for p in multiprocessing.active_children()}  # reaps the exited ones
    return {pid for pid in pids if pid in children or os.path.exists(f"/proc/{pid}")}


@pytest.mark.parametrize("pool", POOLS)
async def test_the_pool_hashes_and_verifies_and_leaves_nothing_behind(pool: Pool) -> None:
    hashing = Argon2Hashing(CHEAP, workers=2, pool=pool)
    before = {p.pid for p in multiprocessing.active_children()}
    await hashing.start()
    stored = await hashing.hash(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=8192,t=1,p=1$")
    assert await hashing.verify(stored, PASSWORD)
    assert not await hashing.verify(stored, PASSWORD + "x")
    assert not await hashing.verify("!erased", PASSWORD)  # not a hash: no password verifies
    assert not hashing.needs_rehash(stored)
    assert hashing.needs_rehash(argon2.PasswordHasher(time_cost=2, memory_cost=8192, parallelism=1).hash(PASSWORD))
    workers = {p.pid for p in multiprocessing.active_children()} - before
    assert len(workers) == (2 if pool == "process" else 0)
    assert bool(argon2_threads()) == (pool == "thread")
    await hashing.stop()
    assert workers_alive(workers) == set() and argon2_threads() == []
    assert await hashing.verify(stored, PASSWORD)  # a hash after the stop opens a new pool (operator commands)
    await hashing.stop()


@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_a_login_replaces_an_old_hash_and_the_app_closes_its_pool(
    tmp_path: Path, database: str, pool: Pool
) -> None:
    settings = RegistrationSettings(
        data_dir=tmp_path,
        database_url=database,
        bus_url=f"embedded:{tmp_path / 'bus.db'}",
        environment="test",
        password_hash_time_cost=1,
        password_hash_memory_kib=8192,
        password_hash_parallelism=1,
        password_hash_workers=2,
        password_hash_pool=pool,
    )
    registration = build(settings)
    app = create_app(registration)
    before = {p.pid for p in multiprocessing.active_children()}
    async with app.router.lifespan_context(app):
        await registration.accounts.create_staff("admin-rehash", PASSWORD, "admin")
        old = argon2.PasswordHasher(time_cost=2, memory_cost=8192, parallelism=1).hash(PASSWORD)  # yesterday's cost
        async with registration.backbone.engine.begin() as connection:
            await connection.execute(update(accounts).values(password_hash=old))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kepuri") as client:
            body = {"login": "admin-rehash", "password": PASSWORD}
            assert (await client.post("/api/v1/auth/token", json=body)).status_code == 200
            async with registration.backbone.engine.connect() as connection:
                stored = (await connection.execute(select(accounts.c.password_hash))).scalar_one()
            assert stored != old and argon2.extract_parameters(stored).time_cost == 1
            assert (await client.post("/api/v1/auth/token", json=body)).status_code == 200  # the new hash logs in
        workers = {p.pid for p in multiprocessing.active_children()} - before
        assert len(workers) == (2 if pool == "process" else 0)
    assert workers_alive(workers) == set() and argon2_threads() == []


async def test_by_default_hashes_take_owasps_minimum_on_one_thread_per_core(tmp_path: Path) -> None:
    settings = RegistrationSettings(data_dir=tmp_path, environment="test")
    hashing = build(settings).password_hashing
    try:
        stored = await hashing.hash(PASSWORD)
    finally:
        await hashing.stop()
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")  # OWASP Password Storage Cheat Sheet
    assert (hashing.pool, hashing.workers, hashing.niceness) == ("thread", os.cpu_count(), 10)


async def niceness_of_all(ids: set[int], expected: int) -> set[int]:
    """The niceness of every thread or process in ``ids``, polled until all show ``expected`` (a worker
    sets its own as it starts) or 60 s have passed."""
    deadline = time.monotonic() + 60
    while True:
        seen = {os.getpriority(os.PRIO_PROCESS, i) for i in ids}
        if seen == {expected} or time.monotonic() > deadline:
            return seen
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("niceness", [0, 5])
@pytest.mark.parametrize("pool", POOLS)
async def test_hashes_run_below_the_event_loop_by_the_niceness_set(pool: Pool, niceness: int) -> None:
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    before = {p.pid for p in multiprocessing.active_children()}
    hashing = Argon2Hashing(CHEAP, workers=2, pool=pool, niceness=niceness)
    try:
        assert await hashing.verify(await hashing.hash(PASSWORD), PASSWORD)
        if pool == "thread":
            workers = {t.native_id for t in argon2_threads() if t.native_id is not None}
        else:
            workers = {p.pid for p in multiprocessing.active_children()} - before
        assert workers and await niceness_of_all(workers, mine + niceness) == {mine + niceness}
    finally:
        await hashing.stop()
