"""Sealing with a per-person key: what it opens to, and what it refuses (another key, another key id,
a changed byte), and the vault forgetting a destroyed key for good."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.privacy import PHONE_DIGESTS, KeyVault, SealError, new_key, open_sealed, phone_digest, seal

VALUES = {"worker_id": "w1", "name": "欧阳科普", "phone": "13955501234", "organisation": None}


def test_a_sealed_value_opens_with_its_key_and_hides_the_clear_text() -> None:
    key = new_key()
    sealed = seal(key, "k1", VALUES)
    assert "13955501234" not in sealed and open_sealed(key, "k1", sealed) == VALUES
    assert seal(key, "k1", VALUES) != sealed  # a fresh nonce each time


@pytest.mark.parametrize("how", ["other key", "other key id", "changed byte"])
def test_a_sealed_value_does_not_open_otherwise(how: str) -> None:
    key = new_key()
    sealed = seal(key, "k1", VALUES)
    if how == "other key":
        key = new_key()
    key_id = "k2" if how == "other key id" else "k1"
    if how == "changed byte":
        sealed = sealed[:20] + ("A" if sealed[20] != "A" else "B") + sealed[21:]
    with pytest.raises(SealError):
        open_sealed(key, key_id, sealed)


async def test_the_vault_forgets_a_destroyed_key_and_its_bytes(tmp_path: Path) -> None:
    vault = KeyVault(f"sqlite+aiosqlite:///{tmp_path / 'keys.db'}")
    keep, doomed = new_key(), new_key()
    await vault.put({"keep": keep, "doomed": doomed})
    assert await vault.get(["keep", "doomed", "absent"]) == {"keep": keep, "doomed": doomed}
    assert await vault.destroy(["doomed", "absent"]) == 1
    assert await vault.destroy(["doomed"]) == 0  # idempotent
    assert await vault.get(["keep", "doomed"]) == {"keep": keep}
    await vault.stop()
    data = _bytes_under(tmp_path)
    assert keep in data and doomed not in data  # secure_delete: the key's bytes are overwritten


def _bytes_under(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in directory.iterdir())


async def test_the_matching_key_is_made_once_and_digests_match_a_phone_however_written(tmp_path: Path) -> None:
    vault = KeyVault(f"sqlite+aiosqlite:///{tmp_path / 'keys.db'}")
    assert await vault.matching_key(PHONE_DIGESTS) is None  # a reader never makes it
    made = await vault.matching_key(PHONE_DIGESTS, create=True)
    assert made is not None and await vault.matching_key(PHONE_DIGESTS, create=True) == made  # never replaced
    await vault.destroy([PHONE_DIGESTS])  # a person's erasure names key ids: the matching key is not one
    assert await vault.matching_key(PHONE_DIGESTS) == made
    await vault.stop()
    digest = phone_digest(made, "0913-2123456")
    assert digest == phone_digest(made, "09132123456") != phone_digest(new_key(), "09132123456")
    assert "2123456" not in digest and len(digest) == 64
