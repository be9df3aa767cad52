"""The bus contract: one suite of tests, passed by every backend (pyeventsourcing style).

:class:`BusContract` holds the tests and asks its subclass for a ``new_bus`` factory; ``TestEmbeddedLog``
runs them on a fresh SQLite file per test, ``TestKafka`` on the session's tansu broker (so every test
uses its own topic and group names). Every wait is bounded by a deadline; nothing asserts on time.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import textwrap
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from pathlib import Path
from typing import ClassVar

import pytest

from harness.ports import free_port
from harness.tansu import TansuBroker
from shared.bus import Bus, BusUnavailable, Message, Record, Subscription, TopicPartition, TopicSpec
from shared.bus.embedded import IDLE_READ_S, EmbeddedLog, EmbeddedSubscription, _Files
from shared.bus.kafka import KafkaBus
from tests.contract import processes

PARTITIONS = 4
DEADLINE_S = 30.0

BusFactory = Callable[[], Bus]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def keyed(topic: str, keys: int, per_key: int, batch: str = "") -> list[Message]:
    """``per_key`` messages for each of ``keys`` keys, interleaved; the value says key and sequence."""
    return [
        Message(topic, f"activity-{k}".encode(), f"activity-{k}:{batch}{i}".encode(), (("seq", str(i).encode()),))
        for i in range(per_key)
        for k in range(keys)
    ]


def next_offsets(records: Iterable[Record]) -> dict[TopicPartition, int]:
    """For each partition, the offset after the last of ``records``: what a consumer commits."""
    offsets: dict[TopicPartition, int] = {}
    for r in records:
        offsets[r.tp] = max(offsets.get(r.tp, 0), r.offset + 1)
    return offsets


async def read(
    members: Sequence[Subscription], count: int, *, commit: bool = True, deadline_s: float = DEADLINE_S
) -> list[list[Record]]:
    """Poll the members in turn until together they have returned ``count`` records or the deadline
    has passed, committing each batch when ``commit``; the records each member returned."""
    got: list[list[Record]] = [[] for _ in members]
    deadline = time.monotonic() + deadline_s
    while sum(map(len, got)) < count and time.monotonic() < deadline:
        for mine, member in zip(got, members, strict=True):
            batch = await member.poll(max_records=500, timeout_ms=50)
            mine.extend(batch)
            if commit and batch:
                await member.commit(next_offsets(batch))
    return got


async def read_all(member: Subscription, count: int, *, commit: bool = True) -> list[Record]:
    [records] = await read([member], count, commit=commit)
    return records


async def quiet(members: Sequence[Subscription], rounds: int = 5) -> list[Record]:
    """What the members still return after they should have nothing left (expected: nothing)."""
    got = await read(members, count=sys.maxsize, commit=False, deadline_s=rounds * 0.1)
    return [r for records in got for r in records]


async def share_partitions(members: Sequence[Subscription], partitions: set[TopicPartition]) -> None:
    """Poll until the members hold disjoint, non-empty shares that cover ``partitions``."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        shares = []
        for member in members:
            assert await member.poll(timeout_ms=50) == [], "the topic should be empty while the group forms"
            shares.append(set(await member.lag()))
        if all(shares) and sum(map(len, shares)) == len(partitions) and set().union(*shares) == partitions:
            return
    pytest.fail(f"the group did not settle on {sorted(partitions, key=str)}: {shares}")


def values(records: Iterable[Record]) -> list[bytes]:
    return [r.value for r in records]


def contents(items: Iterable[Record | Message]) -> list[tuple[bytes | None, bytes, tuple[tuple[str, bytes], ...]]]:
    """Key, value and headers of each, in order of value (values are unique in these tests)."""
    return sorted(((i.key, i.value, i.headers) for i in items), key=lambda item: item[1])


class Members:
    """Subscriptions a test has started; those it has not stopped are stopped after it."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self.joined: list[Subscription] = []

    async def join(self, group: str, topics: Sequence[str]) -> Subscription:
        member = self.bus.subscribe(group, topics)
        await member.start()
        self.joined.append(member)
        return member

    async def leave(self, member: Subscription) -> None:
        self.joined.remove(member)
        await member.stop()


class BusContract:
    """What every bus backend guarantees; a subclass provides the ``new_bus`` fixture."""

    #: whether lag() is exact before a member has fetched (tansu's ListOffsets is not: see TestKafka)
    exact_lag: ClassVar[bool] = True
    #: whether each partition's offsets run 0, 1, 2… without a gap (the embedded log's promise; Kafka's
    #: offsets only grow)
    contiguous_offsets: ClassVar[bool] = True

    @pytest.fixture
    def new_bus(self) -> BusFactory:
        raise NotImplementedError

    @pytest.fixture
    def bus_spec(self) -> tuple[str, str]:
        """How a child process reaches the same bus (tests/contract/processes.py: ``open_bus``)."""
        raise NotImplementedError

    @pytest.fixture
    async def bus(self, new_bus: BusFactory) -> AsyncIterator[Bus]:
        bus = new_bus()
        await bus.start()
        yield bus
        await bus.stop()

    @pytest.fixture
    async def members(self, bus: Bus) -> AsyncIterator[Members]:
        members = Members(bus)
        yield members
        for member in reversed(members.joined):
            await member.stop()

    @staticmethod
    async def topic(bus: Bus) -> str:
        name = unique("contract")
        await bus.ensure_topics([TopicSpec(name, PARTITIONS)])
        return name

    async def test_publish_then_consume_returns_key_value_and_headers(self, bus: Bus, members: Members) -> None:
        topic = await self.topic(bus)
        sent = [
            Message(topic, b"activity-1", b'{"n": 1}', (("ce_type", b"activity-registered"), ("raw", b"\x00\xff"))),
            Message(topic, None, b"no key", (("ce_id", b"1"),)),
            Message(topic, b"activity-2", b"", ()),
        ]
        await bus.publish(sent)
        got = await read_all(await members.join(unique("g"), [topic]), len(sent))

        assert contents(got) == contents(sent), "key, value and headers come back as published"
        now_ms = time.time() * 1000
        for record in got:
            assert record.topic == topic and 0 <= record.partition < PARTITIONS and record.offset >= 0
            assert abs(record.timestamp_ms - now_ms) < 3_600_000, "timestamps are epoch milliseconds"
        assert await quiet(members.joined) == []

    async def test_order_per_key_is_kept_across_keys_and_partitions(self, bus: Bus, members: Members) -> None:
        topic = await self.topic(bus)
        sent = keyed(topic, keys=30, per_key=20)
        for start in range(0, len(sent), 150):
            await bus.publish(sent[start : start + 150])
        got = await read_all(await members.join(unique("g"), [topic]), len(sent))

        by_key: dict[bytes | None, list[Record]] = defaultdict(list)
        for record in got:
            by_key[record.key].append(record)
        assert len(got) == len(sent) and len(by_key) == 30
        for key, records in by_key.items():
            assert values(records) == [m.value for m in sent if m.key == key], f"order of {key!r}"
            assert len({r.partition for r in records}) == 1, f"{key!r} stays on one partition"

    async def test_messages_spread_over_partitions(self, bus: Bus, members: Members) -> None:
        topic = await self.topic(bus)
        await bus.publish(keyed(topic, keys=64, per_key=1))
        got = await read_all(await members.join(unique("g"), [topic]), 64)
        assert {r.partition for r in got} == set(range(PARTITIONS))

    async def test_two_members_share_the_partitions_and_read_each_record_once(self, bus: Bus, members: Members) -> None:
        topic, group = await self.topic(bus), unique("g")
        first, second = await members.join(group, [topic]), await members.join(group, [topic])
        await share_partitions([first, second], {TopicPartition(topic, p) for p in range(PARTITIONS)})
        sent = keyed(topic, keys=40, per_key=5)
        await bus.publish(sent)

        got_first, got_second = await read([first, second], len(sent))
        got = got_first + got_second + await quiet([first, second])
        assert Counter((r.partition, r.offset) for r in got).most_common(1)[0][1] == 1, "no record twice"
        assert sorted(values(got)) == sorted(m.value for m in sent)
        assert got_first and got_second, "both members read"
        assert not {r.partition for r in got_first} & {r.partition for r in got_second}

    async def test_a_new_member_resumes_after_the_committed_offset(self, bus: Bus, members: Members) -> None:
        topic, group = await self.topic(bus), unique("g")
        before, after = keyed(topic, 8, 3, batch="before-"), keyed(topic, 8, 3, batch="after-")
        await bus.publish(before)
        first = await members.join(group, [topic])
        assert sorted(values(await read_all(first, len(before)))) == sorted(m.value for m in before)
        await members.leave(first)

        await bus.publish(after)
        second = await members.join(group, [topic])
        got = await read_all(second, len(after)) + await quiet([second])
        assert sorted(values(got)) == sorted(m.value for m in after)

    async def test_uncommitted_records_are_delivered_again(self, bus: Bus, members: Members) -> None:
        topic, group = await self.topic(bus), unique("g")
        sent = keyed(topic, keys=8, per_key=6)
        await bus.publish(sent)
        first = await members.join(group, [topic])
        got = await read_all(first, len(sent), commit=False)
        assert len(got) == len(sent)
        by_partition: dict[TopicPartition, list[Record]] = defaultdict(list)
        for record in got:
            by_partition[record.tp].append(record)
        halves = {tp: sorted(rs, key=lambda r: r.offset)[: len(rs) // 2] for tp, rs in by_partition.items()}
        await first.commit(next_offsets(r for half in halves.values() for r in half))
        await members.leave(first)

        committed = {r.value for half in halves.values() for r in half}
        expected = sorted(m.value for m in sent if m.value not in committed)
        second = await members.join(group, [topic])
        again = await read_all(second, len(expected)) + await quiet([second])
        assert sorted(values(again)) == expected, "everything after the committed offsets comes again"

    async def test_two_groups_each_read_everything(self, bus: Bus, members: Members) -> None:
        topic = await self.topic(bus)
        sent = keyed(topic, keys=10, per_key=5)
        await bus.publish(sent)
        for group in (unique("g1"), unique("g2")):
            got = await read_all(await members.join(group, [topic]), len(sent))
            assert sorted(values(got)) == sorted(m.value for m in sent), group

    async def test_lag_counts_outstanding_records_and_drops_to_zero(self, bus: Bus, members: Members) -> None:
        topic = await self.topic(bus)
        sent = keyed(topic, keys=12, per_key=3)
        await bus.publish(sent)
        member = await members.join(unique("g"), [topic])
        lag = await member.lag()
        assert set(lag) == {TopicPartition(topic, p) for p in range(PARTITIONS)}

        got = await read_all(member, len(sent))
        per_partition = Counter(r.tp for r in got)
        if self.exact_lag:
            assert lag == {tp: per_partition.get(tp, 0) for tp in lag}
        else:
            assert all(lag[tp] >= 1 for tp in per_partition) and sum(lag.values()) <= len(sent)
        assert await member.lag() == dict.fromkeys(lag, 0)

    async def test_publishing_to_a_topic_not_yet_created_creates_it(self, bus: Bus, members: Members) -> None:
        topic = unique("fresh")
        sent = keyed(topic, keys=16, per_key=2)
        await bus.publish(sent)
        got = await read_all(await members.join(unique("g"), [topic]), len(sent))
        assert sorted(values(got)) == sorted(m.value for m in sent)
        assert {r.partition for r in got} <= set(range(PARTITIONS))

    async def test_several_processes_publish_and_read_at_once(self, bus: Bus, bus_spec: tuple[str, str]) -> None:
        """Three processes each publish while reading the topic as a group of their own: every process
        reads every record once, each partition's offsets only grow (on the embedded log: 0, 1, 2…
        with no gap, SQLite's write lock serialising the writers), each key's records keep their order,
        and every process reads the same record at each position."""
        topic = await self.topic(bus)
        names = [f"p{n}" for n in range(3)]
        count, batch = 150, 10
        reads = await asyncio.to_thread(
            processes.run_processes,
            [(processes.publish_child, (bus_spec, topic, name, count, batch, len(names) * count)) for name in names],
        )

        everything = sorted(f"{name}:{n}".encode() for name in names for n in range(count))
        for read in reads:
            assert sorted(value for *_, value in read) == everything
            offsets: defaultdict[int, list[int]] = defaultdict(list)
            for partition, offset, _key, _value in read:
                offsets[partition].append(offset)
            for found in offsets.values():
                assert found == sorted(set(found))
                if self.contiguous_offsets:
                    assert found == list(range(len(found)))
            for key in {key for _, _, key, _ in read}:
                numbers = [int(value.split(b":")[1]) for _, _, k, value in read if k == key]
                assert numbers == sorted(numbers), f"order of {key!r}"
        assert all(sorted(read) == sorted(reads[0]) for read in reads)  # one log: the same record at each offset

    async def test_ping_answers_when_up(self, bus: Bus) -> None:
        await bus.ping()


class TestEmbeddedLog(BusContract):
    @pytest.fixture
    def path(self, tmp_path: Path) -> Path:
        return tmp_path / "bus.db"

    @pytest.fixture
    def new_bus(self, path: Path) -> BusFactory:
        return lambda: EmbeddedLog(path, default_partitions=PARTITIONS)

    @pytest.fixture
    def bus_spec(self, path: Path) -> tuple[str, str]:
        return ("embedded", str(path))

    async def test_another_process_publishes_while_this_one_consumes(
        self, bus: Bus, members: Members, path: Path
    ) -> None:
        topic = await self.topic(bus)
        member = await members.join(unique("g"), [topic])
        script = textwrap.dedent(
            """
            import asyncio, sys
            from shared.bus import Message
            from shared.bus.embedded import EmbeddedLog

            async def main() -> None:
                log = EmbeddedLog(sys.argv[1])
                await log.start()
                for batch in range(20):
                    numbers = range(batch * 10, batch * 10 + 10)
                    await log.publish([Message(sys.argv[2], b"k%d" % (n % 7), b"%d" % n) for n in numbers])
                await log.stop()

            asyncio.run(main())
            """
        )
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-c", script, str(path), topic, stderr=asyncio.subprocess.PIPE
        )
        try:
            got = await read_all(member, 200)
        finally:
            _, stderr = await asyncio.wait_for(child.communicate(), DEADLINE_S)
        assert child.returncode == 0, stderr.decode()
        assert sorted(int(v) for v in values(got)) == list(range(200))
        for key in {r.key for r in got}:
            numbers = [int(r.value) for r in got if r.key == key]
            assert numbers == sorted(numbers), f"order of {key!r}"

    async def test_an_idle_member_reads_the_log_only_when_its_files_change(
        self, bus: Bus, members: Members, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        topic = await self.topic(bus)
        member = await members.join(unique("g"), [topic])
        assert isinstance(member, EmbeddedSubscription)
        reads = Counter[str]()
        fetch = member._fetch

        def counted(db: sqlite3.Connection, max_records: int) -> list[Record]:
            reads["fetch"] += 1
            return fetch(db, max_records)

        monkeypatch.setattr(member, "_fetch", counted)
        assert await member.poll(timeout_ms=500) == []
        # the poll interval is 2 ms: reading at every look would be some 250 reads; a quiet log is read
        # about every IDLE_READ_S (and once more at the end)
        assert reads["fetch"] <= 2 + 500 / (IDLE_READ_S * 1000) * 2, reads

    async def test_a_commit_the_files_do_not_show_is_still_read(
        self, bus: Bus, members: Members, new_bus: BusFactory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        topic = await self.topic(bus)
        member = await members.join(unique("g"), [topic])
        assert await member.poll(timeout_ms=50) == []
        monkeypatch.setattr(_Files, "signature", lambda _files: ("unchanged",))
        async with new_bus() as other:
            await other.publish([Message(topic, b"k", b"unseen by stat")])
        got = await member.poll(timeout_ms=5_000)
        assert [r.value for r in got] == [b"unseen by stat"]

    async def test_records_survive_a_restart(self, new_bus: BusFactory) -> None:
        topic = unique("durable")
        sent = keyed(topic, keys=5, per_key=10)
        async with new_bus() as bus:
            await bus.publish(sent)
        async with new_bus() as reopened:
            async with reopened.subscribe(unique("g"), [topic]) as member:
                got = await read_all(member, len(sent))
        assert contents(got) == contents(sent)


class TestKafka(BusContract):
    # tansu answers ListOffsets(latest) with the base offset of the partition's last batch plus one,
    # so before the first fetch lag() sees at least one outstanding record, not all of them
    exact_lag = False
    contiguous_offsets = False

    @pytest.fixture
    def bus_spec(self, kafka_bootstrap: str) -> tuple[str, str]:
        return ("kafka", kafka_bootstrap)

    @pytest.fixture
    def new_bus(self, kafka_bootstrap: str) -> BusFactory:
        # tansu holds a JoinGroup for about half the session timeout: keep it short to keep tests fast
        return lambda: KafkaBus(
            kafka_bootstrap,
            default_partitions=PARTITIONS,
            fetch_max_wait_ms=10,
            session_timeout_ms=2_000,
            heartbeat_interval_ms=400,
            connect_timeout_ms=5_000,
        )

    async def test_start_against_a_closed_port_raises_bus_unavailable(self) -> None:
        bus = KafkaBus(f"127.0.0.1:{free_port()}", connect_timeout_ms=3_000)
        async with asyncio.timeout(15):
            with pytest.raises(BusUnavailable):
                await bus.start()
            with pytest.raises(BusUnavailable):
                await bus.ping()

    async def test_ping_raises_bus_unavailable_once_the_broker_is_gone(self, tmp_path: Path) -> None:
        with TansuBroker(log_dir=tmp_path) as broker:
            bus = KafkaBus(broker.bootstrap, ping_timeout_ms=2_000)
            await bus.start()
            await bus.ping()
            broker.stop()
            async with asyncio.timeout(15):
                with pytest.raises(BusUnavailable):
                    await bus.ping()
            await bus.stop()
