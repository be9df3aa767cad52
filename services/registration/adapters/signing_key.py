"""Registration's token-signing key: read from its file, or made once for development."""

from __future__ import annotations

import os
from pathlib import Path

from shared.auth import generate_private_key_pem


def load_or_create(path: Path, *, create: bool) -> bytes:
    """The PEM at ``path``; when it is missing and ``create`` is set, a new key written there (0600).

    Several processes may start at once (the API's workers): the key is written whole to a file of
    this process's own and linked into place, which fails if another process was first; everyone then
    reads the one key that won, never a half-written one."""
    if path.exists():
        return path.read_bytes()
    if not create:
        raise FileNotFoundError(f"no signing key at {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(generate_private_key_pem())
    try:
        os.link(draft, path)
    except FileExistsError:
        pass  # another process made it first: its key is the key
    finally:
        draft.unlink()
    return path.read_bytes()
