"""``kepuri seed | head -1``: the reader goes away after one line, and seeding still finishes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from services.registration.seeds import load_seed_campaigns

ROOT = Path(__file__).resolve().parents[2]


def test_seed_piped_into_head_seeds_every_campaign(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    script = f'"{sys.executable}" -m cli seed --data-dir "{data_dir}" | head -1; echo "${{PIPESTATUS[0]}}"'
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEPURI_")}
    piped = subprocess.run(
        ["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )

    first, status = piped.stdout.splitlines()
    assert first.startswith("kepuri seed: 5 campaigns"), piped.stdout
    assert status == "0", piped.stderr
    assert "BrokenPipeError" not in piped.stderr, piped.stderr
    again = subprocess.run(
        [sys.executable, "-m", "cli", "seed", "--data-dir", str(data_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    for seed in load_seed_campaigns():  # the first run configured every one: now each is unchanged
        assert any(line.split()[:2] == [seed.campaign.id, "unchanged"] for line in again.stdout.splitlines()), (
            again.stdout
        )
