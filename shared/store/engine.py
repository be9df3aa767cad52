"""Async engines for SQLite (aiosqlite) and PostgreSQL (asyncpg), both first-class."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from .errors import IntegrityViolation, StoreError, StoreUnavailable
from .sqlite_twin import SqliteTwin

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 30_000  # how long a SQLite connection waits for the file's lock


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def create_engine(url: str, *, pool_size: int = 10, pool_timeout: float = 10.0, echo: bool = False) -> AsyncEngine:
    """An async engine for ``url``; SQLite files get WAL and a busy timeout.

    Both keep ``pool_size`` connections and as many again under load. A caller that finds none free
    within ``pool_timeout`` seconds gets :class:`StoreUnavailable` (a 503 the client may retry), not
    a bug's 500: an overloaded process sheds work instead of queueing it past every client's patience.

    On SQLite, :func:`transaction` begins with ``BEGIN IMMEDIATE``, which takes the write lock at
    once, so a read-then-write transaction never fails halfway on a lock upgrade; plain reads
    (``engine.connect()``) begin deferred and, in WAL mode, neither wait for writers nor block them.
    """
    parsed = make_url(url)
    pool: dict[str, Any] = {"pool_size": pool_size, "max_overflow": pool_size, "pool_timeout": pool_timeout}
    if parsed.get_backend_name() == "sqlite":
        in_memory = not parsed.database or parsed.database == ":memory:"  # one static connection, no pool
        if not in_memory:
            Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **({} if in_memory else pool)
        )
        _configure_sqlite(engine)
        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True, **pool)


def _enter_wal(cursor: Any) -> None:
    """Put the file in WAL mode (it stays so), waiting while another process does the same.

    Processes that open a new file at once (an API's workers and its background process) each switch
    it to WAL. The switch takes the file's exclusive lock, and SQLite answers "database is locked" at
    once, without its busy handler, to a connection that asks for it while another is switching (each
    holds the shared lock the other waits on). One switch wins; the others, tried again, find WAL.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(0.005)  # only ever at a new file's first moments: the switch takes microseconds


def _configure_sqlite(engine: AsyncEngine | Engine) -> None:
    target = engine.sync_engine if isinstance(engine, AsyncEngine) else engine

    @event.listens_for(target, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _enter_wal(cursor)
        # secure_delete: a deleted row's bytes are overwritten, so an erased person leaves nothing in the file
        for pragma in ("synchronous=NORMAL", "foreign_keys=ON", "secure_delete=ON"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(target, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("sqlite_begin") == "IMMEDIATE"
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# One writer at a time per SQLite file in this process: waiting here is woken the moment the lock is
# free, whereas SQLite's busy handler sleeps on a 1, 2, 5 … 100 ms schedule.
_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, asyncio.Lock] = weakref.WeakKeyDictionary()


def _write_lock(engine: AsyncEngine) -> asyncio.Lock | None:
    if not is_sqlite(engine):
        return None
    lock = _WRITE_LOCKS.get(engine.sync_engine)
    if lock is None:
        lock = _WRITE_LOCKS[engine.sync_engine] = asyncio.Lock()
    return lock


# SQLSTATEs of a PostgreSQL server that is unreachable, stopping or starting: class 08 (connection
# exception), admin shutdown, crash shutdown, cannot connect now. asyncpg's errors for these reach
# SQLAlchemy as a plain DBAPIError (not invalidated when they come while connecting).
_UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def _server_unavailable(exc: DBAPIError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATES)


def translate(exc: BaseException) -> BaseException:
    """Map a driver error to the store's vocabulary, keeping the driver's error as the cause."""
    if isinstance(exc, IntegrityError):
        error: StoreError = IntegrityViolation(str(exc.orig))
    elif isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DBAPIError) and (exc.connection_invalidated or _server_unavailable(exc))
    ):
        error = StoreUnavailable(str(getattr(exc, "orig", exc)))
    elif isinstance(exc, ConnectionError | OSError):
        error = StoreUnavailable(str(exc))
    elif isinstance(exc, PoolTimeout):
        error = StoreUnavailable(f"no database connection free: {exc}")
    else:
        return exc
    error.__cause__ = exc
    return error


@asynccontextmanager
async def transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One write transaction; driver errors come out in the store's vocabulary.

    On SQLite it holds the file's write lock from its start (and queues this process's writers);
    read-only work should use :func:`reading` instead.
    """
    async with AsyncExitStack() as stack:
        stack.enter_context(store_errors())
        lock = _write_lock(engine)
        if lock is not None:
            await stack.enter_async_context(lock)
        connection = await stack.enter_async_context(engine.connect())
        await connection.execution_options(sqlite_begin="IMMEDIATE")
        await stack.enter_async_context(connection.begin())
        yield connection


async def sync_transaction(engine: AsyncEngine, work: Callable[[Connection], T]) -> T:
    """Run the synchronous ``work`` in one write transaction and return its result.

    For hot write paths (the group-commit writer, the relay, consumers). On a SQLite file the whole
    transaction is one synchronous call (see :mod:`.sqlite_twin` for why and where it runs);
    elsewhere ``work`` runs through ``AsyncConnection.run_sync``.
    """
    twin = _sqlite_twin(engine)
    if twin is None:
        async with transaction(engine) as connection:
            return await connection.run_sync(work)
    with store_errors():
        async with _write_lock(engine) or contextlib.nullcontext():
            return await twin.run(work)


_TWINS: weakref.WeakKeyDictionary[Engine, SqliteTwin] = weakref.WeakKeyDictionary()


def _sqlite_twin(engine: AsyncEngine) -> SqliteTwin | None:
    """The synchronous twin of a SQLite file's engine (None: not a SQLite file), disposed with it."""
    if not is_sqlite(engine) or engine.url.database in (None, "", ":memory:"):
        return None
    twin = _TWINS.get(engine.sync_engine)
    if twin is None:
        twin = _TWINS[engine.sync_engine] = SqliteTwin(engine.url, _configure_sqlite)

        @event.listens_for(engine.sync_engine, "engine_disposed")
        def _dispose_twin(_engine: Engine) -> None:
            gone = _TWINS.pop(engine.sync_engine, None)
            if gone is not None:
                gone.dispose()

    return twin


async def in_transaction(engine: AsyncEngine, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """Run ``work`` in one write transaction and return its result."""
    async with transaction(engine) as connection:
        return await work(connection)


async def reading(engine: AsyncEngine, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """Run read-only ``work`` on a consistent snapshot (a deferred transaction) and return its result."""
    with store_errors():
        async with engine.connect() as connection:
            result = await work(connection)
            await connection.rollback()
            return result


async def sync_reading(engine: AsyncEngine, work: Callable[[Connection], T]) -> T:
    """Run the synchronous, read-only ``work`` on a consistent snapshot and return its result.

    For hot reads (the public directory): on a SQLite file one inline call, as :func:`sync_transaction`;
    elsewhere through ``AsyncConnection.run_sync``.
    """
    twin = _sqlite_twin(engine)
    with store_errors():
        if twin is not None:
            return await twin.read(work)
        async with engine.connect() as connection:
            result = await connection.run_sync(work)
            await connection.rollback()
            return result


@contextmanager
def store_errors() -> Iterator[None]:
    """Re-raise driver errors in the store's vocabulary (see :func:`translate`)."""
    try:
        yield
    except StoreError:
        raise
    except Exception as exc:
        translated = translate(exc)
        if translated is exc:
            raise
        raise translated from exc
