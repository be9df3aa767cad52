"""The Idempotency-Key dependency (shared/web/idempotency.py) on SQLite and PostgreSQL.

A small app over a real database and group-commit writer: its creating route commits one row per call
and carries ``dependencies=[Idempotent]``. Every rule of the dependency is broken here on purpose:
a retry gets the first answer and writes nothing; another body with the key is a 422; concurrent
requests with one key write once and all get the same answer; a refused request stores nothing, so a
corrected retry is carried out; a claim whose answer was never stored is a 409 that says so; another
caller's key is their own.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import Column, MetaData, String, Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.auth import InvalidToken, Principal
from shared.store import Changes, GroupCommitter, Recorder, create_engine
from shared.store.recorder import Insert
from shared.store.tables import BackboneTables, add_backbone_tables
from shared.web import Problem, idempotency
from shared.web.idempotency import (
    CLAIMED,
    IdempotencyKeys,
    IdempotencyMiddleware,
    Idempotent,
    IdempotentRequest,
    install_idempotency,
)
from shared.web.problems import install_problem_handlers

metadata = MetaData()
add_backbone_tables(metadata)
things = Table("things", metadata, Column("thing_id", String(32), primary_key=True), Column("name", String(64)))


class ThingIn(BaseModel):
    name: str


class Tokens:
    """Bearer tokens ``alice`` and ``bob`` name their subject."""

    def verify(self, token: str) -> Principal:
        if token not in {"alice", "bob"}:
            raise InvalidToken("unknown")
        return Principal(subject=token, role="organizer", unit_id=f"unit-{token}")


def service(engine: AsyncEngine, writer: GroupCommitter) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    install_idempotency(app)
    app.state.idempotency = IdempotencyKeys(engine, BackboneTables(metadata))
    app.state.container = SimpleNamespace(verifier=Tokens())
    app.add_middleware(IdempotencyMiddleware)

    @app.post("/things", status_code=201, dependencies=[Idempotent])
    async def create(body: ThingIn) -> dict[str, str]:
        if body.name == "refused":
            raise Problem(422, "名称无效 (invalid name)", "refused on purpose")
        thing_id = uuid.uuid4().hex
        await writer.submit(Changes(inserts=[Insert(things, {"thing_id": thing_id, "name": body.name})]))
        return {"id": thing_id, "name": body.name}

    return app


async def count(engine: AsyncEngine, table: Table) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


class IdempotencyContract:
    @pytest.fixture
    def database_url(self) -> str:
        raise NotImplementedError

    @pytest.fixture
    async def engine(self, database_url: str) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(database_url)
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        yield engine
        await engine.dispose()

    @pytest.fixture
    async def client(self, engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
        writer = GroupCommitter(engine, Recorder(BackboneTables(metadata)))
        await writer.start()
        transport = httpx.ASGITransport(app=service(engine, writer))
        async with httpx.AsyncClient(transport=transport, base_url="http://kepuri.test") as client:
            yield client
        await writer.stop()

    async def test_without_a_key_every_request_is_carried_out(
        self, engine: AsyncEngine, client: httpx.AsyncClient
    ) -> None:
        for _ in range(2):
            assert (await client.post("/things", json={"name": "a"})).status_code == 201
        assert await count(engine, things) == 2

    async def test_a_retry_gets_the_first_answer_and_writes_nothing(
        self, engine: AsyncEngine, client: httpx.AsyncClient
    ) -> None:
        key = {"Idempotency-Key": "k-1", "Authorization": "Bearer alice"}
        first = await client.post("/things", json={"name": "a"}, headers=key)
        again = await client.post("/things", json={"name": "a"}, headers=key)
        assert first.status_code == again.status_code == 201
        assert again.content == first.content and again.headers["Idempotent-Replayed"] == "true"
        assert "Idempotent-Replayed" not in first.headers
        assert await count(engine, things) == 1

    async def test_the_key_with_another_body_is_refused(self, engine: AsyncEngine, client: httpx.AsyncClient) -> None:
        key = {"Idempotency-Key": "k-2"}
        assert (await client.post("/things", json={"name": "a"}, headers=key)).status_code == 201
        other = await client.post("/things", json={"name": "b"}, headers=key)
        assert other.status_code == 422 and other.headers["content-type"] == "application/problem+json"
        assert "Idempotency-Key" in other.json()["title"]
        assert await count(engine, things) == 1

    async def test_concurrent_requests_with_one_key_write_once_and_share_the_answer(
        self, engine: AsyncEngine, client: httpx.AsyncClient
    ) -> None:
        key = {"Idempotency-Key": "k-3", "Authorization": "Bearer alice"}
        answers = await asyncio.gather(*(client.post("/things", json={"name": "a"}, headers=key) for _ in range(8)))
        assert {a.status_code for a in answers} == {201}
        assert len({a.content for a in answers}) == 1
        assert await count(engine, things) == 1

    async def test_a_refused_request_stores_no_answer(self, engine: AsyncEngine, client: httpx.AsyncClient) -> None:
        key = {"Idempotency-Key": "k-4"}
        assert (await client.post("/things", json={"name": "refused"}, headers=key)).status_code == 422
        keys = BackboneTables(metadata).idempotency_keys
        assert await count(engine, keys) == 0 and await count(engine, things) == 0

    async def test_another_callers_key_is_their_own(self, engine: AsyncEngine, client: httpx.AsyncClient) -> None:
        for who in ("alice", "bob"):
            answer = await client.post(
                "/things", json={"name": "a"}, headers={"Idempotency-Key": "k-5", "Authorization": f"Bearer {who}"}
            )
            assert answer.status_code == 201 and "Idempotent-Replayed" not in answer.headers
        assert await count(engine, things) == 2

    async def test_a_claim_without_its_answer_is_a_409_that_says_it_was_carried_out(
        self, engine: AsyncEngine, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # as if the process died between the command's commit and storing its answer
        monkeypatch.setattr(idempotency, "ANSWER_WAIT_S", 0.2)
        body = b'{"name":"a"}'
        asked = IdempotentRequest.of("k-6", "POST /things anonymous", body)
        assert asked is not None
        claim = IdempotencyKeys(engine, BackboneTables(metadata)).claim(asked)
        assert claim.row["status_code"] == CLAIMED
        async with engine.begin() as connection:
            await connection.execute(claim.table.insert().values(**claim.row))
        answer = await client.post(
            "/things", content=body, headers={"Idempotency-Key": "k-6", "Content-Type": "application/json"}
        )
        assert answer.status_code == 409 and "carried out" in answer.json()["detail"]
        assert await count(engine, things) == 0


class TestSqliteIdempotency(IdempotencyContract):
    @pytest.fixture
    def database_url(self, tmp_path: Path) -> str:
        return f"sqlite+aiosqlite:///{tmp_path / 'idempotency.db'}"


class TestPostgresIdempotency(IdempotencyContract):
    @pytest.fixture
    def database_url(self, fresh_postgres_url: str) -> str:
        return fresh_postgres_url
