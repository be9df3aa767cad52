"""Turns at a SQLite file's write lock (``shared.store.write_turns``): one holder at a time, a waiter
woken when the holder lets go, nobody passing a waiter for longer than ``PASS_S``, and the turns
taken by the twin's transactions (``sync_transaction``). Each ``WriteTurns`` opens its own files, so
two of them in one process exclude each other as two processes would."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from shared.store import create_engine, sync_transaction, write_turns
from shared.store.write_turns import WriteTurns

BOUND_S = 30.0  # a broken lock must fail the test, not hang it


@pytest.fixture
def database(tmp_path: Path) -> str:
    return str(tmp_path / "turns.db")


@pytest.fixture
def turns(database: str) -> Iterator[tuple[WriteTurns, WriteTurns]]:
    first, second = WriteTurns(database), WriteTurns(database)
    yield first, second
    first.close()
    second.close()


class Waiting:
    """Someone in the waiting room (a shared lock on the queue file), as a waiting writer is."""

    def __init__(self, database: str) -> None:
        self._fd = os.open(f"{database}-queue.lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_SH)

    def leave(self) -> None:
        os.close(self._fd)


def test_one_turn_at_a_time(turns: tuple[WriteTurns, WriteTurns]) -> None:
    first, second = turns
    assert first.try_take()
    assert not second.try_take()
    first.release()
    assert second.try_take()
    second.release()


def test_a_waiter_is_woken_when_the_holder_lets_go(turns: tuple[WriteTurns, WriteTurns]) -> None:
    first, second = turns
    assert first.try_take()
    took = threading.Event()

    def wait_for_the_turn() -> None:
        second.take()
        took.set()

    waiter = threading.Thread(target=wait_for_the_turn, daemon=True)
    waiter.start()
    assert not took.wait(0.2)  # the turn is held
    first.release()
    assert took.wait(BOUND_S)
    assert not first.try_take()  # the waiter has it now
    second.release()
    waiter.join(BOUND_S)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The turns' monotonic clock, moved by the test."""
    now = [100.0]
    monkeypatch.setattr(write_turns.time, "monotonic", lambda: now[0])
    return now


def took(turns: WriteTurns) -> bool:
    """Whether ``turns`` could take the turn at once (given back at once when it could)."""
    if not turns.try_take():
        return False
    turns.release()
    return True


def test_nobody_passes_a_waiter_for_longer_than_a_moment(
    database: str, turns: tuple[WriteTurns, WriteTurns], clock: list[float]
) -> None:
    first, _ = turns
    waiting = Waiting(database)
    try:
        assert took(first)  # the file is free: a writer may pass the waiter for PASS_S
        clock[0] += write_turns.PASS_S / 2
        assert took(first)
        clock[0] += write_turns.PASS_S
        assert not took(first)  # then it gives way, although the file is free
    finally:
        waiting.leave()
    assert took(first)  # nobody waits any more


def test_an_empty_waiting_room_starts_the_moment_afresh(
    database: str, turns: tuple[WriteTurns, WriteTurns], clock: list[float]
) -> None:
    first, _ = turns
    waiting = Waiting(database)
    assert took(first)  # passing a waiter
    waiting.leave()  # who then had their turn
    assert took(first)  # the room is seen empty
    clock[0] += 10 * write_turns.PASS_S
    waiting = Waiting(database)
    try:
        assert took(first)  # a new waiter: a new moment, whatever was passed before
    finally:
        waiting.leave()


async def test_a_transaction_waits_for_a_turn_held_elsewhere(database: str) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    holder = WriteTurns(database)
    try:
        await sync_transaction(engine, lambda c: c.execute(text("CREATE TABLE t (n INTEGER)")))
        assert holder.try_take()
        pending = sync_transaction(engine, lambda c: c.execute(text("INSERT INTO t VALUES (1)")))
        released = threading.Timer(0.2, holder.release)
        released.start()
        await pending  # waited on its thread until the other holder let go, then wrote
        released.join(BOUND_S)
        assert holder.try_take()  # and gave the turn back
        holder.release()
        count = await sync_transaction(engine, lambda c: c.execute(text("SELECT count(*) FROM t")).scalar())
        assert count == 1
    finally:
        holder.close()
        await engine.dispose()
