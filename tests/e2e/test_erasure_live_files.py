"""An erased science worker leaves no bytes in the files of a platform that is still running.

Notification forgets an erased person in its planner's transaction; the write-ahead log of its SQLite
database still held the pages from before (the phone, the name, the thank-you text naming them) until
the process stopped, where any copy of the data directory would find them. Registration and the key
vault fold their log away after an erasure; notification now does the same once the batch commits.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.e2e.erasure_support import WORKER_NAME, WORKER_PHONE, files_holding, running_platform, thank_science_workers
from tests.e2e.test_erasure import _forgotten

WORKER = [WORKER_PHONE.encode(), WORKER_NAME.encode()]


@pytest.mark.parametrize("bus_url", ["embedded"], indirect=True)
async def test_no_file_holds_an_erased_worker_while_the_platform_runs(tmp_path: Path, bus_url: str) -> None:
    async with running_platform(tmp_path, bus_url) as platform:
        await thank_science_workers(platform)
        assert files_holding(tmp_path, WORKER), "the ledger held the worker before"
        erased = await platform.registration.post(
            "/api/v1/erasures", json={"phone": WORKER_PHONE}, headers=platform.admin
        )
        assert erased.status_code == 200 and erased.json()["erased"] is True, erased.text
        # notification has applied the erasure once its ledger and worker list no longer name the phone
        async with asyncio.timeout(30):
            while not await _forgotten(platform, WORKER_PHONE):
                await asyncio.sleep(0.05)
        try:
            async with asyncio.timeout(5):  # the log is folded away right after that batch commits
                while files_holding(tmp_path, WORKER):
                    await asyncio.sleep(0.05)
        except TimeoutError:
            pytest.fail(f"the erased worker is still on disk: {files_holding(tmp_path, WORKER)}")
