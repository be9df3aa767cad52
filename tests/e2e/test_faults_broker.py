"""Fault 1: the bus goes away in the middle of a run and comes back.

Registration and analytics run as OS processes and are busy (registrations before, during and after).
On Kafka the broker becomes unreachable for seconds: every connection to it is reset and new ones are
refused (tansu keeps its log in memory, so the broker is cut off behind a proxy rather than stopped,
which would lose the log; see tests/fixtures/faults.py). On the embedded log, the log file is held
by a stalled writer for seconds. Throughout, registration answers 201 (it never depends on the bus);
afterwards every accepted registration is in the store, counted once and listed in the directory.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from tests.fixtures.faults import ProxiedTansu, log_locked
from tests.fixtures.invariants import analytics_totals, assert_everything_accepted_is_everywhere
from tests.fixtures.processes import Pair, running_pair

OUTAGE_S = 4.0


async def _while_the_bus_is_away(pair: Pair) -> None:
    for _ in range(4):
        assert {r.status_code for r in await pair.register(5)} == {201}
        await asyncio.sleep(OUTAGE_S / 4)


@pytest.mark.parametrize("bus", ["embedded", "kafka"])
async def test_the_bus_goes_away_mid_run_and_every_accepted_registration_arrives_once(tmp_path: Path, bus: str) -> None:
    with contextlib.ExitStack() as stack:
        broker: ProxiedTansu | None = None
        if bus == "kafka":
            broker = ProxiedTansu(tmp_path)
            broker.start()
            stack.callback(broker.stop)
            bus_url = f"kafka://{broker.bootstrap}"
        else:
            bus_url = f"embedded:{tmp_path / 'bus.db'}"
        async with running_pair(tmp_path, bus_url) as pair:
            assert {r.status_code for r in await pair.register(20)} == {201}
            async with asyncio.timeout(60):  # the pipeline is live before the fault
                while await analytics_totals(pair.a) != (20, 20):
                    await asyncio.sleep(0.1)

            if broker is not None:
                broker.proxy.cut()
                await _while_the_bus_is_away(pair)
                async with asyncio.timeout(30):  # readiness tells operators the bus is gone
                    while (ready := await pair.r.get("/readyz")).status_code == 200:
                        await asyncio.sleep(0.2)
                assert ready.json()["checks"]["database"] == "ok" and ready.json()["checks"]["bus"] != "ok"
                broker.proxy.restore()
            else:
                with log_locked(tmp_path / "bus.db"):
                    await _while_the_bus_is_away(pair)

            assert {r.status_code for r in await pair.register(20)} == {201}
            await assert_everything_accepted_is_everywhere(
                pair.answers.accepted,
                registration=pair.r,
                analytics=pair.a,
                registration_db=pair.registration_db,
                analytics_db=pair.analytics_db,
            )
            assert len(pair.answers.accepted) == 60 and not pair.answers.server_errors()
            async with asyncio.timeout(30):  # and readiness recovers
                while (await pair.r.get("/readyz")).status_code != 200:
                    await asyncio.sleep(0.2)
