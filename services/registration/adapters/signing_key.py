"""Registration's token-signing key: read from its file, or made once for development."""

from __future__ import annotations

import os
from pathlib import Path

from shared.auth import generate_private_key_pem


def load_or_create(path: Path, *, create: bool) -> bytes:
    """The PEM at ``path``; when it is missing and ``create`` is set, a new key written there (0600)."""
    if path.exists():
        return path.read_bytes()
    if not create:
        raise FileNotFoundError(f"no signing key at {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = generate_private_key_pem()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return pem
