"""Services sharing one ``keys.db`` start at once: every one of them gets its vault ready (SQLite
refuses a read-then-write transaction at once when another committed meanwhile, busy timeout or not;
`kepuri up`'s registration once died so under load)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from shared.privacy import KeyVault


async def test_vaults_starting_at_once_on_one_file_all_get_ready(tmp_path: Path) -> None:
    for round_ in range(5):
        url = f"sqlite+aiosqlite:///{tmp_path / f'keys-{round_}.db'}"
        vaults = [KeyVault(url) for _ in range(8)]
        try:
            await asyncio.gather(*(vault.start() for vault in vaults))
            await vaults[0].put({"k1": bytes(32)})
            assert await vaults[-1].get(["k1"]) == {"k1": bytes(32)}
        finally:
            await asyncio.gather(*(vault.stop() for vault in vaults))
