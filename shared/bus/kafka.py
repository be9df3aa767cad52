"""The Kafka backend of the bus, over aiokafka: one producer and one admin client per bus, one consumer
per subscription.

Ordering: ``publish`` hands every message to the producer, which hashes keyed messages to a partition
(murmur2, as the Java client does) and batches them; then it waits for every acknowledgement
(acks=all). The idempotent producer is an option, off by default because the tansu test broker does
not support it. Without it, order per key still survives retries because aiokafka keeps at most one
produce request in flight per broker and retries a failed batch before it sends the next batch of the
same partition (Java's ``max.in.flight.requests.per.connection=1``). What a retry can add is a
duplicate, and what a failed ``publish`` leaves is a prefix of a partition's messages stored and the
rest not; the outbox relay then publishes the rest again, and consumers, which are idempotent, drop
what they have already applied (see DESIGN.md §5).

Every aiokafka error is raised again as :class:`BusUnavailable` (the broker cannot be reached or did
not answer in time: retry later) or :class:`BusError` (anything else, a refused login included), with
aiokafka's as the cause. Every client logs in as the bus's :class:`~shared.bus.kafka_login.KafkaLogin`
says (SASL/SCRAM for a Strimzi KafkaUser); with SASL, :meth:`KafkaBus.start` first logs in once on its
own, because aiokafka's clients only log a refused login and then report that no broker answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka import TopicPartition as KafkaTopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.conn import create_conn
from aiokafka.errors import (
    CommitFailedError,
    IllegalStateError,
    KafkaError,
    KafkaTimeoutError,
    TopicAlreadyExistsError,
    for_code,
)
from aiokafka.structs import OffsetAndMetadata

from .base import Bus, BusError, BusUnavailable, Subscription, TopicSpec
from .kafka_login import KafkaLogin, raised_in_sasl_handshake
from .message import Message, Record, TopicPartition

log = logging.getLogger(__name__)


@contextlib.contextmanager
def _translated(action: str) -> Iterator[None]:
    """Raise aiokafka's errors (and socket errors and timeouts) again as the bus's vocabulary."""
    try:
        yield
    except BusError:
        raise
    except (TimeoutError, OSError) as exc:
        raise BusUnavailable(f"kafka: {action}: {type(exc).__name__} {exc}") from exc
    except KafkaError as exc:
        kind = BusUnavailable if exc.retriable or isinstance(exc, KafkaTimeoutError) else BusError
        raise kind(f"kafka: {action}: {type(exc).__name__} {exc}") from exc
    except (KeyError, ValueError) as exc:
        if not raised_in_sasl_handshake(exc):
            raise
        raise BusError(f"kafka: {action}: the broker refused the SASL login") from exc


async def _close_quietly(*clients: AIOKafkaAdminClient | AIOKafkaProducer | AIOKafkaConsumer | None) -> None:
    for client in clients:
        if client is None:
            continue
        try:
            await (client.close() if isinstance(client, AIOKafkaAdminClient) else client.stop())
        except Exception:  # a client that failed to start may also fail to stop; nothing is lost
            log.debug("closing a kafka client failed", exc_info=True)


class KafkaBus(Bus):
    """The bus on a Kafka cluster at ``bootstrap_servers`` ("host:port,host:port").

    Topics are created on first use with ``default_partitions`` (or by :meth:`ensure_topics` with
    their own count). ``fetch_max_wait_ms`` is how long the broker may hold a fetch that has no data;
    it bounds the latency of an idle consumer (the tansu test broker always waits that long, so tests
    set about 10 ms). Every call that talks to the broker is bounded: ``connect_timeout_ms`` for
    :meth:`start`, ``ping_timeout_ms`` for :meth:`ping`, ``request_timeout_ms`` for a publish and
    ``join_timeout_ms`` for a subscription joining its group. ``login`` is how every client logs in
    (default: PLAINTEXT, no login).
    """

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        default_partitions: int = 4,
        replication_factor: int = 1,
        enable_idempotence: bool = False,
        linger_ms: int = 5,
        fetch_max_wait_ms: int = 100,
        request_timeout_ms: int = 30_000,
        connect_timeout_ms: int = 10_000,
        ping_timeout_ms: int = 2_000,
        session_timeout_ms: int = 10_000,
        heartbeat_interval_ms: int = 3_000,
        join_timeout_ms: int = 60_000,
        client_id: str = "kepuri",
        login: KafkaLogin | None = None,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.default_partitions = default_partitions
        self.replication_factor = replication_factor
        self.enable_idempotence = enable_idempotence
        self.linger_ms = linger_ms
        self.fetch_max_wait_ms = fetch_max_wait_ms
        self.request_timeout_ms = request_timeout_ms
        self.connect_timeout_ms = connect_timeout_ms
        self.ping_timeout_ms = ping_timeout_ms
        self.session_timeout_ms = session_timeout_ms
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.join_timeout_ms = join_timeout_ms
        self.client_id = client_id
        self.login = login or KafkaLogin()
        self._producer: AIOKafkaProducer | None = None
        self._admin: AIOKafkaAdminClient | None = None
        self._known_topics: set[str] = set()

    async def start(self) -> None:
        """Connect the producer and the admin client; :class:`BusUnavailable` if the cluster does not
        answer within ``connect_timeout_ms``. Starting a started bus does nothing."""
        if self._producer is not None:
            return
        if self.login.uses_sasl:
            await self._check_login()
        producer, admin = self._new_producer(), self._new_admin()
        try:
            with _translated(f"connect to {self.bootstrap_servers}"):
                async with asyncio.timeout(self.connect_timeout_ms / 1000):
                    await producer.start()
                    await admin.start()
        except BaseException:
            await _close_quietly(producer, admin)
            raise
        self._producer, self._admin = producer, admin

    def _new_producer(self) -> AIOKafkaProducer:
        return AIOKafkaProducer(
            bootstrap_servers=self.bootstrap_servers,
            client_id=self.client_id,
            acks="all",
            enable_idempotence=self.enable_idempotence,
            linger_ms=self.linger_ms,
            request_timeout_ms=self.request_timeout_ms,
            **self.login.client_options(),
        )

    def _new_admin(self) -> AIOKafkaAdminClient:
        return AIOKafkaAdminClient(
            bootstrap_servers=self.bootstrap_servers,
            client_id=self.client_id,
            request_timeout_ms=self.request_timeout_ms,
            **self.login.client_options(),
        )

    async def _check_login(self) -> None:
        """Log in to the first bootstrap server that answers, then hang up: :class:`BusError` naming the
        user and mechanism (never the password) if the broker refuses the login. Servers that cannot be
        reached are left for the clients' own start to report."""
        action = f"log in to {self.bootstrap_servers} as {self.login.describe()}"
        with _translated(action):
            async with asyncio.timeout(self.connect_timeout_ms / 1000):
                for server in self.bootstrap_servers.split(","):
                    host, _, port = server.rpartition(":")
                    try:
                        conn = await create_conn(
                            host.strip("[]"),
                            int(port),
                            client_id=self.client_id,
                            request_timeout_ms=self.request_timeout_ms,
                            **self.login.client_options(),
                        )
                    except (OSError, KafkaError) as exc:
                        if isinstance(exc, KafkaError) and not exc.retriable:
                            raise
                        log.info("kafka: %s: %s did not answer: %s", action, server, exc)
                        continue
                    conn.close()
                    return

    async def stop(self) -> None:
        """Flush what the producer still holds and close both clients."""
        producer, admin = self._producer, self._admin
        self._producer = self._admin = None
        self._known_topics.clear()  # a cluster reached again later may have lost or recreated topics
        try:
            if producer is not None:
                with _translated("flush"):
                    await producer.stop()
        finally:
            await _close_quietly(admin)

    def _started(self) -> tuple[AIOKafkaProducer, AIOKafkaAdminClient]:
        if self._producer is None or self._admin is None:
            raise BusUnavailable("the kafka bus is not started")
        return self._producer, self._admin

    async def ping(self) -> None:
        """Ask a broker for the cluster's metadata; :class:`BusUnavailable` unless it answers within
        ``ping_timeout_ms``."""
        _, admin = self._started()
        with _translated("ping"):
            async with asyncio.timeout(self.ping_timeout_ms / 1000):
                await admin.describe_cluster()

    async def ensure_topics(self, topics: Sequence[TopicSpec]) -> None:
        """Create the topics that do not exist yet; one that exists keeps its partition count."""
        _, admin = self._started()
        missing = {t.name: t for t in topics if t.name not in self._known_topics}
        if not missing:
            return
        new = [NewTopic(t.name, t.partitions, self.replication_factor) for t in missing.values()]
        with _translated("create topics"):
            response = await admin.create_topics(new, timeout_ms=self.request_timeout_ms)
            # two services (or two calls) may race to create a topic: "already exists" is success
            for topic, code, *message in response.topic_errors:
                if code != 0 and for_code(code) is not TopicAlreadyExistsError:
                    raise for_code(code)(f"topic {topic}: {message[0] if message else ''}")
        self._known_topics.update(missing)

    async def _ensure_known(self, names: Iterable[str]) -> None:
        unknown = {name for name in names if name not in self._known_topics}
        if unknown:
            await self.ensure_topics([TopicSpec(name, self.default_partitions) for name in sorted(unknown)])

    async def publish(self, messages: Sequence[Message]) -> None:
        """Send every message, then return once the cluster has acknowledged all of them (acks=all).

        If any fails, the first failure is raised after every other send has settled, so that nothing
        is left in flight; the messages before it in the same partition may be stored already.
        """
        if not messages:
            return
        producer, _ = self._started()
        await self._ensure_known(m.topic for m in messages)
        futures: list[asyncio.Future[object]] = []
        with _translated("publish"):
            try:
                for m in messages:
                    futures.append(await producer.send(m.topic, m.value, key=m.key, headers=list(m.headers) or None))
            finally:
                outcomes = await asyncio.gather(*futures, return_exceptions=True)
            for outcome in outcomes:
                if isinstance(outcome, BaseException):
                    raise outcome

    def subscribe(self, group: str, topics: Sequence[str]) -> Subscription:
        """A new member of consumer group ``group``; it joins when started."""
        return KafkaSubscription(self, group, tuple(topics))


class KafkaSubscription(Subscription):
    """One aiokafka consumer in group ``group``, committing by hand (auto-commit off).

    A group without committed offsets starts at the earliest record. A commit for a partition that
    this member no longer owns, or that the group refuses because it rebalanced meanwhile, is logged
    and dropped: the partition's new owner reads those records again, which at-least-once allows.
    """

    def __init__(self, bus: KafkaBus, group: str, topics: tuple[str, ...]) -> None:
        self.group = group
        self.topics = topics
        self._bus = bus
        self._consumer: AIOKafkaConsumer | None = None

    async def start(self) -> None:
        """Create missing topics, join the group and wait for the first assignment, within
        ``join_timeout_ms``."""
        bus = self._bus
        await bus._ensure_known(self.topics)
        consumer = self._new_consumer()
        try:
            with _translated(f"join group {self.group}"):
                async with asyncio.timeout(bus.join_timeout_ms / 1000):
                    await consumer.start()
        except BaseException:
            await _close_quietly(consumer)
            raise
        self._consumer = consumer

    def _new_consumer(self) -> AIOKafkaConsumer:
        bus = self._bus
        return AIOKafkaConsumer(
            *self.topics,
            bootstrap_servers=bus.bootstrap_servers,
            client_id=bus.client_id,
            group_id=self.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=bus.fetch_max_wait_ms,
            request_timeout_ms=bus.request_timeout_ms,
            session_timeout_ms=bus.session_timeout_ms,
            heartbeat_interval_ms=bus.heartbeat_interval_ms,
            **bus.login.client_options(),
        )

    async def stop(self) -> None:
        """Leave the group; its partitions go to the other members from their committed offsets."""
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            with _translated(f"leave group {self.group}"):
                await consumer.stop()

    def _started(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            raise BusUnavailable(f"the subscription of group {self.group} is not started")
        return self._consumer

    async def poll(self, max_records: int = 1000, timeout_ms: int = 100) -> list[Record]:
        """Up to ``max_records`` records from the assigned partitions, in offset order per partition."""
        consumer = self._started()
        with _translated("poll"):
            batches = await consumer.getmany(timeout_ms=timeout_ms, max_records=max_records)
        return [
            Record(
                topic=r.topic,
                partition=r.partition,
                offset=r.offset,
                key=r.key,
                value=r.value if r.value is not None else b"",
                headers=tuple((name, value if value is not None else b"") for name, value in r.headers),
                timestamp_ms=r.timestamp,
            )
            for records in batches.values()
            for r in records
        ]

    async def commit(self, offsets: Mapping[TopicPartition, int]) -> None:
        """Commit, for each partition still assigned to this member, the next offset to read."""
        consumer = self._started()
        assigned = consumer.assignment()
        wanted = {KafkaTopicPartition(tp.topic, tp.partition): OffsetAndMetadata(o, "") for tp, o in offsets.items()}
        owned = {tp: o for tp, o in wanted.items() if tp in assigned}
        if len(owned) < len(wanted):
            log.info(
                "group %s: not committing partitions it no longer owns: %s", self.group, wanted.keys() - owned.keys()
            )
        if not owned:
            return
        try:
            with _translated("commit"):
                await consumer.commit(owned)
        except BusError as exc:
            if not isinstance(exc.__cause__, CommitFailedError | IllegalStateError):
                raise
            log.warning("group %s rebalanced before its commit; the records will be read again", self.group)

    async def lag(self) -> dict[TopicPartition, int]:
        """Records not yet returned by :meth:`poll`, per assigned partition.

        The end of a partition is the larger of the broker's end offset and the high watermark of the
        last fetch: they agree on Kafka, but tansu answers ListOffsets with the base offset of the last
        batch plus one, which undercounts until this member has fetched from the partition.
        """
        consumer = self._started()
        assigned = list(consumer.assignment())
        if not assigned:
            return {}
        result: dict[TopicPartition, int] = {}
        with _translated("lag"):
            ends = await consumer.end_offsets(assigned)
            for tp in assigned:
                try:
                    position = await consumer.position(tp)
                except IllegalStateError:  # revoked by a rebalance meanwhile
                    continue
                end = max(ends.get(tp, 0), consumer.highwater(tp) or 0)
                result[TopicPartition(tp.topic, tp.partition)] = max(0, end - position)
        return result
