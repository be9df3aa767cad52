"""The README's walkthrough runs as written: every ```sh block, in order, in one bash session, against
a fresh ``./kepuri up`` started as an OS process.

A block preceded by ``<!-- not run by the README test -->`` is left out (starting the platform, the
test suite, long simulations): explicitly, never by guessing. The platform runs on free ports, so the
blocks' ``127.0.0.1:8000`` (the one origin), ``127.0.0.1:800N`` and ``:8013`` are pointed at them;
nothing else is changed. ``./kepuri`` is the command the README names: here a stand-in in the session's working directory that runs this
checkout's ``cli`` with the test's interpreter (the real script would build ``.venv``).
"""

from __future__ import annotations

import re
import stat
import subprocess
import sys
from pathlib import Path

from harness.kepuri_up import ROOT, RunningUp, kepuri_up

README = ROOT / "README.md"
NOT_RUN = "<!-- not run by the README test -->"
DEFAULT_PORTS = {"8001": "registration", "8002": "review", "8003": "notification", "8004": "analytics"}


def shell_blocks(text: str) -> list[tuple[int, str, bool]]:
    """Every ```sh block of ``text``: its first line number, its body, and whether it is to be run."""
    blocks: list[tuple[int, str, bool]] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        if lines[index].strip() == "```sh":
            start = index
            body: list[str] = []
            index += 1
            while lines[index].strip() != "```":
                body.append(lines[index])
                index += 1
            before = next((line.strip() for line in reversed(lines[:start]) if line.strip()), "")
            blocks.append((start + 1, "\n".join(body), before != NOT_RUN))
        index += 1
    return blocks


def on_ports(script: str, up: RunningUp) -> str:
    """``script`` with the default ports replaced by the ones this platform runs on."""
    fixed = {"8000": up.env["KEPURI_SITE_PORT"], "8013": up.env["KEPURI_SMS_STANDIN_PORT"]}

    def port(match: re.Match[str]) -> str:
        number = match.group(1)
        return f"127.0.0.1:{fixed[number] if number in fixed else up.ports[DEFAULT_PORTS[number]]}"

    return re.sub(r"127\.0\.0\.1:(800[0-4]|8013)\b", port, script)


def test_the_marker_leaves_out_exactly_the_marked_blocks() -> None:
    text = f"a\n\n```sh\necho one\n```\n{NOT_RUN}\n```sh\n./kepuri up\n```\n\n```sh\necho two\n```\n"
    assert [(body, run) for _, body, run in shell_blocks(text)] == [
        ("echo one", True),
        ("./kepuri up", False),
        ("echo two", True),
    ]


def test_the_readme_leaves_out_only_starting_testing_and_simulating() -> None:
    skipped = [body for _, body, run in shell_blocks(README.read_text()) if not run]
    assert skipped and all(re.search(r"\./kepuri (up|test|simulate)", body) for body in skipped)
    assert any(run for _, _, run in shell_blocks(README.read_text()))


def test_every_readme_command_runs_as_written_after_the_ones_before_it(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    kepuri = work / "kepuri"
    kepuri.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m cli "$@"\n')
    kepuri.chmod(kepuri.stat().st_mode | stat.S_IXUSR)
    with kepuri_up(tmp_path / "data") as up:
        parts = ["set -euo pipefail", "set -x"]
        for line, body, run in shell_blocks(README.read_text()):
            if run:
                parts += [f": README.md line {line}", on_ports(body, up)]
        script = work / "readme.sh"
        script.write_text("\n".join(parts) + "\n")
        env = {**up.env, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            ["bash", str(script)], cwd=work, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, f"{done.stdout}\n{done.stderr[-6000:]}\n--- kepuri up ---\n{up.output()[-3000:]}"
    assert (work / "活动汇总表.xlsx").read_bytes()[:2] == b"PK"  # real workbooks, not saved error answers
    assert (work / "导入结果.xlsx").read_bytes()[:2] == b"PK"
    assert (work / "form3.json").is_file()
