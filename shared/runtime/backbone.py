"""The backbone of one service process, started and stopped by the service's composition root.

It owns the database engine, the bus connection, the group-commit writer, the outbox relay and the
service's consumers. The bus may be down when the service starts: the API and the writer work at
once, and the relay and consumers join as soon as the bus answers (DESIGN §5: the broker being
down never fails a registration).

The process role (``settings.role``, docs/architecture.md "Process roles") says which half runs here:
``api`` migrates and runs the writer only (its committed outbox rows are picked up by the relay of the
``background`` process, which polls the outbox every ``idle_interval`` when idle); ``background``
migrates, runs the writer (consumers and workers commit through it), the relay and the consumers;
``all`` runs both, as one process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence

from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine

from ..bus import Bus, BusError, KafkaLogin, TopicSpec
from ..bus.factory import bus_from_url
from ..config import ServiceSettings
from ..consumer import ApplyErrorPolicy, ConsumerRuntime, Projection, dead_letter
from ..events.envelope import use_schema_base
from ..events.topics import ALL_TOPICS
from ..store import BackboneTables, GroupCommitter, OutboxRelay, Recorder, create_engine
from ..store.migrations import migrate
from ..web.health import Check
from ..web.idempotency import IdempotencyKeys

log = logging.getLogger(__name__)


class Backbone:
    """Engine, bus, writer, relay and consumers of one service, with one start and one stop.

    ``on_apply_error`` is the apply-error policy of every consumer: what becomes of an event a
    projection fails to apply (dead-lettered by default; see :mod:`shared.consumer.errors`).
    """

    def __init__(
        self,
        settings: ServiceSettings,
        metadata: MetaData,
        migrations: str,
        projections: Sequence[Projection] = (),
        *,
        engine: AsyncEngine | None = None,
        bus: Bus | None = None,
        on_apply_error: ApplyErrorPolicy = dead_letter,
    ) -> None:
        self.settings = settings
        self.migrations = migrations
        self.serves_api = settings.role in ("all", "api")
        self.runs_background = settings.role in ("all", "background")
        use_schema_base(settings.events_schema_base)  # the dataschema of every event this process writes
        self.engine = engine or create_engine(settings.database_url)
        self.bus = bus or bus_from_url(
            settings.bus_url,
            default_partitions=settings.topic_partitions,
            kafka_idempotence=settings.kafka_idempotence,
            fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
            kafka_login=KafkaLogin(
                settings.kafka_security_protocol or "PLAINTEXT",  # the settings fill it in
                settings.kafka_sasl_mechanism,
                settings.kafka_sasl_username,
                settings.kafka_sasl_password,
            ),
        )
        self.tables = BackboneTables(metadata)
        self.recorder = Recorder(self.tables)
        self.relay = OutboxRelay(
            self.engine,
            self.tables,
            self.bus,
            service=settings.service,
            lease_s=settings.relay_lease_s,
            takeover_s=settings.relay_takeover_s,
        )
        self.writer = GroupCommitter(self.engine, self.recorder, on_commit=self.relay.wake)
        self.idempotency = IdempotencyKeys(self.engine, self.tables)
        self.consumers = [
            ConsumerRuntime(
                self.engine, self.recorder, self.bus, p, on_dead_letters=self.relay.wake, on_apply_error=on_apply_error
            )
            for p in projections
        ]
        self.bus_ready = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._consumer_tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Migrate the database, start the writer, and (unless the role is ``api``) connect to the bus
        in the background, then start the relay and the consumers."""
        await migrate(self.engine, self.migrations)
        await self.writer.start()
        if self.runs_background:
            self._tasks.append(asyncio.create_task(self._connect(), name=f"{self.settings.service}-bus"))

    async def _connect(self) -> None:
        delay = 0.1
        while True:
            try:
                await self.bus.start()
                await self.bus.ensure_topics([TopicSpec(t.name, self.settings.topic_partitions) for t in ALL_TOPICS])
                break
            except BusError as exc:
                log.warning("bus unavailable (%s); retrying in %.1fs", exc, delay)
                with contextlib.suppress(BusError):
                    await self.bus.stop()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        self.bus_ready.set()
        self._tasks.append(asyncio.create_task(self.relay.run(), name=f"{self.settings.service}-relay"))
        for consumer in self.consumers:
            self._consumer_tasks.append(asyncio.create_task(self._consume(consumer), name=consumer.group))

    async def _consume(self, consumer: ConsumerRuntime) -> None:
        while True:
            try:
                await consumer.run()
                return
            except BusError as exc:
                log.warning("%s: bus error (%s); rejoining", consumer.group, exc)
                await asyncio.sleep(1.0)

    async def stop(self) -> None:
        """Finish the consumers' batches, commit queued writes, flush the outbox once, disconnect."""
        for consumer in self.consumers:
            consumer.stop()
        if self._consumer_tasks:
            _done, late = await asyncio.wait(self._consumer_tasks, timeout=10)
            for task in late:
                task.cancel()
        await self.writer.stop()
        for task in [*self._tasks, *self._consumer_tasks]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._consumer_tasks, return_exceptions=True)
        self._tasks.clear()
        self._consumer_tasks.clear()
        if self.bus_ready.is_set():
            try:
                await asyncio.wait_for(self.relay.flush(), timeout=5)
            except Exception as exc:  # what is left waits in the outbox for the next start
                log.warning("outbox not flushed at stop: %s", exc)
        if self.runs_background:
            with contextlib.suppress(BusError):
                await self.bus.stop()
        await self.engine.dispose()

    def checks(self) -> Mapping[str, Check]:
        """Readiness probes: the database answers and, where the relay and consumers run (not in the
        ``api`` role, which never touches the bus), the bus answers."""

        async def database() -> None:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))

        async def bus() -> None:
            if not self.bus_ready.is_set():
                raise BusError("not connected yet")
            await self.bus.ping()

        return {"database": database, "bus": bus} if self.runs_background else {"database": database}
