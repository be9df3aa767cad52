"""The development signing key is made once, however many processes start at once (an API's workers):
every one of them reads the same key, never a half-written file, and none fails because another was first."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from services.registration.adapters.signing_key import load_or_create
from shared.auth import generate_private_key_pem

PROCESSES = 4
STARTING = """
import sys, time
from pathlib import Path

import pytest
from services.registration.adapters.signing_key import load_or_create
from shared.auth import generate_private_key_pem

path, go = Path(sys.argv[1]), Path(sys.argv[2])
Path(sys.argv[3]).touch()
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.001)
sys.stdout.write(load_or_create(path, create=True).decode())
"""


def test_processes_starting_at_once_all_read_the_one_key_made(tmp_path: Path) -> None:
    path, go = tmp_path / "keys" / "registration-ed25519.pem", tmp_path / "go"
    started = [
        subprocess.Popen(
            [sys.executable, "-c", STARTING, str(path), str(go), str(tmp_path / f"ready-{n}")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(PROCESSES)
    ]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("ready-*"))) < PROCESSES and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    ended = [process.communicate(timeout=60) for process in started]
    assert [process.returncode for process in started] == [0] * PROCESSES, [err for _, err in ended]
    assert {out for out, _ in ended} == {path.read_text()}
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no draft left behind
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_key_that_is_there_is_read_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    made = load_or_create(path, create=True)
    assert load_or_create(path, create=False) == made == load_or_create(path, create=True)


def test_a_key_made_by_another_process_after_this_one_looked_is_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "key.pem"
    theirs = generate_private_key_pem()
    looked = Path.exists

    def made_meanwhile(self: Path) -> bool:  # another worker writes the key just after this one looked
        if self == path and not looked(self):
            path.write_bytes(theirs)
            return False
        return looked(self)

    monkeypatch.setattr(Path, "exists", made_meanwhile)
    assert load_or_create(path, create=True) == theirs
