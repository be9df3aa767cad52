"""The embedded log: a durable, single-machine bus in one SQLite file (WAL mode).

It keeps Kafka's semantics so that services cannot tell the two apart: topics with partitions,
records keyed to a partition by their key and numbered by a contiguous offset per partition,
consumer groups whose members share the partitions and commit offsets by hand. Several processes
on one machine may publish and subscribe at once; SQLite's file locks serialise the writers.

Group membership is a table of members with heartbeats: a member that stops or misses heartbeats
for ``session_timeout_ms`` loses its partitions, which go round-robin to the live members. During
such a rebalance two members can briefly read one partition, which at-least-once delivery allows.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
import uuid
import zlib
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from .base import Bus, BusError, BusUnavailable, Subscription, TopicSpec
from .message import Message, Record, TopicPartition, decode_headers, encode_headers

T = TypeVar("T")

# An idle member looks at the log's files (a stat, in the event loop) every poll interval, and reads
# the log itself (a hop to its thread) only when they changed, or at least this often: a commit that
# leaves size and modification time as they were (a WAL restarted within one clock tick) is still
# seen within it, and the member's heartbeat stays far inside the session timeout.
IDLE_READ_S = 0.05
IDLE_LOOK_S = 0.016  # the longest wait between two looks at the files of a quiet log

_SCHEMA = """
CREATE TABLE IF NOT EXISTS topics (name TEXT PRIMARY KEY, partitions INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    topic TEXT NOT NULL, partition INTEGER NOT NULL, "offset" INTEGER NOT NULL,
    key BLOB, value BLOB NOT NULL, headers TEXT NOT NULL, ts INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS records_position ON records (topic, partition, "offset");
CREATE TABLE IF NOT EXISTS group_offsets (
    grp TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, "offset" INTEGER NOT NULL,
    PRIMARY KEY (grp, topic, partition)
);
CREATE TABLE IF NOT EXISTS group_members (
    grp TEXT NOT NULL, member TEXT NOT NULL, topics TEXT NOT NULL, heartbeat_ms INTEGER NOT NULL,
    PRIMARY KEY (grp, member)
);
"""


def _now_ms() -> int:
    return int(time.time() * 1000)


def partition_for(key: bytes | None, partitions: int, counter: int) -> int:
    """The partition of a key: a stable hash, or round-robin for messages without a key."""
    if key is None:
        return counter % partitions
    return zlib.crc32(key) % partitions


class _Connection:
    """A SQLite connection owned by one worker thread, so that calls never block the event loop."""

    def __init__(self, path: Path, synchronous: str) -> None:
        self._path = path
        self._synchronous = synchronous
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kepuri-log")
        self._db: sqlite3.Connection | None = None

    def _open(self) -> None:
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self._path, isolation_level=None, timeout=30, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(f"PRAGMA synchronous={self._synchronous}")
            db.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise BusUnavailable(f"cannot open the embedded log at {self._path}: {exc}") from exc
        self._db = db

    async def open(self) -> None:
        await self.run(lambda _db: None, opening=True)

    async def run(self, work: Callable[[sqlite3.Connection], T], opening: bool = False) -> T:
        def call() -> T:
            if self._db is None:
                if not opening:
                    raise BusUnavailable("the embedded log is not open")
                self._open()
            assert self._db is not None
            try:
                return work(self._db)
            except BaseException as exc:
                if self._db.in_transaction:
                    self._db.rollback()
                if isinstance(exc, sqlite3.OperationalError):
                    raise BusUnavailable(f"embedded log: {exc}") from exc
                if isinstance(exc, sqlite3.Error):
                    raise BusError(f"embedded log: {exc}") from exc
                raise

        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    async def close(self) -> None:
        def close() -> None:
            if self._db is not None:
                self._db.close()
                self._db = None

        await asyncio.get_running_loop().run_in_executor(self._executor, close)
        self._executor.shutdown(wait=True)


class _Files:
    """The log's database and WAL files: their sizes and modification times change with every commit."""

    def __init__(self, path: Path) -> None:
        self._paths = (path, path.with_name(f"{path.name}-wal"))

    def signature(self) -> tuple[tuple[int, int] | None, ...]:
        found: list[tuple[int, int] | None] = []
        for path in self._paths:
            try:
                stat = os.stat(path)
            except OSError:
                found.append(None)
            else:
                found.append((stat.st_mtime_ns, stat.st_size))
        return tuple(found)


class EmbeddedLog(Bus):
    """The embedded bus over the SQLite file at ``path``."""

    def __init__(
        self,
        path: str | Path,
        *,
        default_partitions: int = 4,
        synchronous: str = "FULL",
        poll_interval_ms: int = 2,
        session_timeout_ms: int = 10_000,
    ) -> None:
        self.path = Path(path)
        self.default_partitions = default_partitions
        self.poll_interval_ms = poll_interval_ms
        self.session_timeout_ms = session_timeout_ms
        self._synchronous = synchronous
        self._conn = _Connection(self.path, synchronous)
        self._partitions: dict[str, int] = {}
        self._round_robin = 0

    async def start(self) -> None:
        await self._conn.open()

    async def stop(self) -> None:
        await self._conn.close()

    async def ping(self) -> None:
        await self._conn.run(lambda db: db.execute("SELECT 1").fetchone())

    async def ensure_topics(self, topics: Sequence[TopicSpec]) -> None:
        def create(db: sqlite3.Connection) -> None:
            db.executemany(
                "INSERT OR IGNORE INTO topics (name, partitions) VALUES (?, ?)",
                [(t.name, t.partitions) for t in topics],
            )

        await self._conn.run(create)

    def _partition_count(self, db: sqlite3.Connection, topic: str) -> int:
        count = self._partitions.get(topic)
        if count is None:
            db.execute(
                "INSERT OR IGNORE INTO topics (name, partitions) VALUES (?, ?)", (topic, self.default_partitions)
            )
            (count,) = db.execute("SELECT partitions FROM topics WHERE name = ?", (topic,)).fetchone()
            self._partitions[topic] = count
        return count

    async def publish(self, messages: Sequence[Message]) -> None:
        if not messages:
            return

        def append(db: sqlite3.Connection) -> None:
            now = _now_ms()
            db.execute("BEGIN IMMEDIATE")
            by_partition: dict[tuple[str, int], list[Message]] = defaultdict(list)
            for message in messages:
                count = self._partition_count(db, message.topic)
                self._round_robin += 1
                by_partition[(message.topic, partition_for(message.key, count, self._round_robin))].append(message)
            rows: list[tuple[object, ...]] = []
            for (topic, partition), batch in by_partition.items():
                (end,) = db.execute(
                    'SELECT COALESCE(MAX("offset") + 1, 0) FROM records WHERE topic = ? AND partition = ?',
                    (topic, partition),
                ).fetchone()
                rows.extend(
                    (topic, partition, end + i, m.key, m.value, encode_headers(m.headers), now)
                    for i, m in enumerate(batch)
                )
            db.executemany(
                'INSERT INTO records (topic, partition, "offset", key, value, headers, ts) VALUES (?,?,?,?,?,?,?)',
                rows,
            )
            db.execute("COMMIT")

        await self._conn.run(append)

    def subscribe(self, group: str, topics: Sequence[str]) -> Subscription:
        return EmbeddedSubscription(self, group, tuple(topics))


class EmbeddedSubscription(Subscription):
    """A member of a consumer group on the embedded log, with its own connection and thread."""

    def __init__(self, log: EmbeddedLog, group: str, topics: tuple[str, ...]) -> None:
        self.group = group
        self.topics = topics
        self._log = log
        self._member = uuid.uuid4().hex
        self._conn = _Connection(log.path, "NORMAL")
        self._positions: dict[TopicPartition, int] = {}
        self._last_heartbeat_ms = 0
        self._data_version: int | None = None
        self._idle = False
        self._files = _Files(log.path)

    async def start(self) -> None:
        await self._conn.open()
        await self._conn.run(self._heartbeat)

    async def stop(self) -> None:
        def leave(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM group_members WHERE grp = ? AND member = ?", (self.group, self._member))

        try:
            await self._conn.run(leave)
        finally:
            await self._conn.close()

    def _heartbeat(self, db: sqlite3.Connection) -> None:
        """Renew membership, expire silent members and take this member's share of the partitions."""
        now = _now_ms()
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "INSERT INTO group_members (grp, member, topics, heartbeat_ms) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (grp, member) DO UPDATE SET heartbeat_ms = excluded.heartbeat_ms",
            (self.group, self._member, ",".join(self.topics), now),
        )
        db.execute(
            "DELETE FROM group_members WHERE grp = ? AND heartbeat_ms < ?",
            (self.group, now - self._log.session_timeout_ms),
        )
        members = [
            m for (m,) in db.execute("SELECT member FROM group_members WHERE grp = ? ORDER BY member", (self.group,))
        ]
        for topic in self.topics:
            self._log._partition_count(db, topic)
        partitions = [
            TopicPartition(topic, p) for topic in sorted(self.topics) for p in range(self._log._partitions[topic])
        ]
        index = members.index(self._member)
        mine = {tp for i, tp in enumerate(partitions) if i % len(members) == index}
        committed = dict(self._committed(db, mine - set(self._positions)))
        db.execute("COMMIT")
        self._positions = {tp: self._positions.get(tp, committed.get(tp, 0)) for tp in mine}
        self._last_heartbeat_ms = now

    def _committed(self, db: sqlite3.Connection, tps: set[TopicPartition]) -> list[tuple[TopicPartition, int]]:
        found = []
        for tp in tps:
            row = db.execute(
                'SELECT "offset" FROM group_offsets WHERE grp = ? AND topic = ? AND partition = ?',
                (self.group, tp.topic, tp.partition),
            ).fetchone()
            if row is not None:
                found.append((tp, row[0]))
        return found

    def _fetch(self, db: sqlite3.Connection, max_records: int) -> list[Record]:
        if _now_ms() - self._last_heartbeat_ms > 1000:
            self._heartbeat(db)
            self._data_version = None
        (version,) = db.execute("PRAGMA data_version").fetchone()
        if version == self._data_version and self._idle:
            return []
        self._data_version = version
        records: list[Record] = []
        for tp, position in sorted(self._positions.items(), key=lambda item: (item[0].topic, item[0].partition)):
            budget = max_records - len(records)
            if budget <= 0:
                break
            rows = db.execute(
                'SELECT "offset", key, value, headers, ts FROM records '
                'WHERE topic = ? AND partition = ? AND "offset" >= ? ORDER BY "offset" LIMIT ?',
                (tp.topic, tp.partition, position, budget),
            ).fetchall()
            for offset, key, value, headers, ts in rows:
                records.append(Record(tp.topic, tp.partition, offset, key, value, decode_headers(headers), ts))
            if rows:
                self._positions[tp] = rows[-1][0] + 1
        self._idle = not records
        return records

    async def poll(self, max_records: int = 1000, timeout_ms: int = 100) -> list[Record]:
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            seen = self._files.signature()  # before reading: a commit during the read counts as a change
            records = await self._conn.run(lambda db: self._fetch(db, max_records))
            if records or time.monotonic() >= deadline:
                return records
            await self._until_changed(seen, min(deadline, time.monotonic() + IDLE_READ_S))

    async def _until_changed(self, seen: tuple[tuple[int, int] | None, ...], until: float) -> None:
        """Wait until the log's files differ from ``seen`` or ``until`` comes, looking after one poll
        interval, then twice as long each time up to :data:`IDLE_LOOK_S`: a busy log is seen at once,
        and a quiet one costs few wake-ups."""
        interval = self._log.poll_interval_ms / 1000
        while True:
            await asyncio.sleep(min(interval, max(0.0, until - time.monotonic())))
            if time.monotonic() >= until or self._files.signature() != seen:
                return
            interval = min(interval * 2, max(IDLE_LOOK_S, interval))

    async def commit(self, offsets: Mapping[TopicPartition, int]) -> None:
        def save(db: sqlite3.Connection) -> None:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                'INSERT INTO group_offsets (grp, topic, partition, "offset") VALUES (?, ?, ?, ?) '
                'ON CONFLICT (grp, topic, partition) DO UPDATE SET "offset" = MAX("offset", excluded."offset")',
                [(self.group, tp.topic, tp.partition, offset) for tp, offset in offsets.items()],
            )
            db.execute("COMMIT")

        if offsets:
            await self._conn.run(save)

    async def lag(self) -> dict[TopicPartition, int]:
        def measure(db: sqlite3.Connection) -> dict[TopicPartition, int]:
            result = {}
            for tp, position in self._positions.items():
                (end,) = db.execute(
                    'SELECT COALESCE(MAX("offset") + 1, 0) FROM records WHERE topic = ? AND partition = ?',
                    (tp.topic, tp.partition),
                ).fetchone()
                result[tp] = max(0, end - position)
            return result

        return await self._conn.run(measure)
