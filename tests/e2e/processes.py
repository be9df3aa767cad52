"""``kepuri staff create`` as an operator runs it, for the tests that start services as processes
(:mod:`harness.processes`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from harness.factories import PASSWORD


def create_staff(data_dir: Path, bus_url: str, role: str, login: str, *options: str) -> None:
    """``kepuri staff create`` as an operator runs it (the password from KEPURI_STAFF_PASSWORD)."""
    env = {**os.environ, "KEPURI_STAFF_PASSWORD": PASSWORD, "KEPURI_ENVIRONMENT": "test", "KEPURI_BUS_URL": bus_url}
    command = [sys.executable, "-m", "cli", "staff", "create", "--data-dir", str(data_dir)]
    result = subprocess.run([*command, "--role", role, "--login", login, *options], env=env, capture_output=True)
    assert result.returncode == 0, result.stderr.decode()
