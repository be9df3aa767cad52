"""Outbox relay: the rate from committed outbox rows to durable messages on the bus.

Each repetition commits ``activity-registered`` events to a fresh registration database (SQLite) as
outbox rows, unmeasured, then times ``OutboxRelay.relay_once`` in a loop until the outbox is drained:
read a batch, publish it, mark it published. The baseline, interleaved in the same run, publishes
the same messages, already decoded, straight to a fresh bus of the same kind in batches of the
relay's size. Done on the embedded log and on Kafka (tansu).

    python -m bench.relay [--quick]
"""

from __future__ import annotations

import asyncio
import inspect
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from pathlib import Path

from harness.events import activity_registered, message
from harness.tansu import TansuBroker
from services.registration.adapters.tables import metadata
from shared.bus import Bus, Message, TopicSpec
from shared.bus.embedded import EmbeddedLog
from shared.bus.kafka import KafkaBus
from shared.store import BackboneTables, Changes, OutboxRelay, Recorder, create_engine, transaction
from shared.store.migrations import migrate

from .common import KAFKA_CLIENT, Result, cli, interleaved, rate, report, settle_heap

MIGRATIONS = "services.registration:migrations"
PARTITIONS = 4
RELAY_BATCH: int = inspect.signature(OutboxRelay.__init__).parameters["batch_size"].default
TARGET_RATIO = 0.40

BusFactory = Callable[[], AbstractAsyncContextManager[Bus]]


class RelayCase:
    """One bus kind: fresh bus and database per repetition, the same messages each time."""

    def __init__(self, root: Path, new_bus: BusFactory, count: int, per_rep_topic: bool) -> None:
        self.root = root
        self.new_bus = new_bus
        self.count = count
        self.per_rep_topic = per_rep_topic
        self.template = [message(activity_registered(region_code=f"{11 + i % 55}0101")) for i in range(count)]

    def _messages(self) -> list[Message]:
        if not self.per_rep_topic:
            return self.template
        topic = f"bench.relay.{uuid.uuid4().hex[:8]}"
        return [replace(m, topic=topic) for m in self.template]

    async def relay(self) -> float:
        messages = self._messages()
        engine = create_engine(f"sqlite+aiosqlite:///{self.root / f'registration-{uuid.uuid4().hex[:8]}.db'}")
        tables = BackboneTables(metadata)
        try:
            await migrate(engine, MIGRATIONS)
            recorder = Recorder(tables)
            for start in range(0, len(messages), 10_000):
                async with transaction(engine) as connection:
                    await connection.run_sync(recorder.write, [Changes(messages=messages[start : start + 10_000])])
            async with self.new_bus() as bus:
                await bus.ensure_topics([TopicSpec(messages[0].topic, PARTITIONS)])
                relay = OutboxRelay(engine, tables, bus, service="bench")
                settle_heap()
                started = time.perf_counter()
                relayed = 0
                while published := await relay.relay_once():
                    relayed += published
                elapsed = time.perf_counter() - started
            if relayed != self.count:
                raise RuntimeError(f"relayed {relayed} of {self.count} rows")
        finally:
            await engine.dispose()
        return rate(relayed, elapsed)

    async def raw_publish(self) -> float:
        messages = self._messages()
        async with self.new_bus() as bus:
            await bus.ensure_topics([TopicSpec(messages[0].topic, PARTITIONS)])
            settle_heap()
            started = time.perf_counter()
            for start in range(0, len(messages), RELAY_BATCH):
                await bus.publish(messages[start : start + RELAY_BATCH])
            elapsed = time.perf_counter() - started
        return rate(len(messages), elapsed)


def result(name: str, count: int, relay: list[float], raw: list[float]) -> Result:
    ratio = statistics.median(relay) / statistics.median(raw)
    return Result(
        "outbox relay",
        f"{name}: SQLite outbox → bus ({count:,} events)",
        "events/s",
        relay,
        "raw publish, same bus",
        raw,
        target="≥ 40 % of raw publish",
        met=ratio >= TARGET_RATIO,
    )


async def main_async(quick: bool, reps: int) -> list[Result]:
    embedded_count = 10_000 if quick else 50_000
    kafka_count = 5_000 if quick else 20_000
    results = []
    with tempfile.TemporaryDirectory(prefix="kepuri-bench-") as scratch:
        root = Path(scratch)

        @asynccontextmanager
        async def embedded() -> AsyncIterator[Bus]:
            async with EmbeddedLog(root / f"bus-{uuid.uuid4().hex[:8]}.db", default_partitions=PARTITIONS) as log:
                yield log

        case = RelayCase(root, embedded, embedded_count, per_rep_topic=False)
        relay, raw = await interleaved(reps, [case.relay, case.raw_publish])
        results.append(result("embedded log", embedded_count, relay, raw))

        with TansuBroker(log_dir=root) as broker:

            @asynccontextmanager
            async def kafka() -> AsyncIterator[Bus]:
                async with KafkaBus(broker.bootstrap, default_partitions=PARTITIONS, **KAFKA_CLIENT) as bus:
                    yield bus

            case = RelayCase(root, kafka, kafka_count, per_rep_topic=True)
            await case.raw_publish()  # warm the broker once, unmeasured
            relay, raw = await interleaved(reps, [case.relay, case.raw_publish])
            results.append(result("Kafka (tansu)", kafka_count, relay, raw))
    return results


def main() -> None:
    args = cli(__doc__ or "", reps=5, quick_reps=3)
    results = asyncio.run(main_async(args.quick, args.reps))
    report("Outbox relay", results, args, [f"Relay batch size {RELAY_BATCH:,} (its default)."])


if __name__ == "__main__":
    main()
