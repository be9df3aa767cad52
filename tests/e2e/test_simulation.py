"""``kepuri simulate`` end to end: a short season (2 provinces, 30 units, 120 activities, 200 visitors)
against the four services and the SMS stand-in as real OS processes in embedded mode, through their
public APIs only; every invariant must hold. And the checker itself: a recount that differs from what
the platform answers fails the invariant concerned, by name."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from copy import deepcopy
from pathlib import Path

import pytest

from cli import _parser, main
from cli.simulate import scale_of, workers_of
from cli.up import default_workers
from simulation.campaign import SEASON_END, Scale
from simulation.driver import EndpointStats
from simulation.invariants import Observed, Recount, compare
from simulation.report import within_bound

INVARIANTS = {
    "analytics-totals",
    "analytics-per-province",
    "directory-visibility",
    "thank-you-once",
    "recommendation-quotas",
    "no-5xx",
}


def test_a_short_season_through_the_public_apis_keeps_every_invariant(tmp_path: Path) -> None:
    report_path = tmp_path / "simulation.json"
    status = main(
        [
            "simulate",
            "--start",
            "--workers", "1",
            "--data-dir", str(tmp_path / "platform"),
            "--seed", "7",
            "--provinces", "61,44",
            "--units", "30",
            "--activities", "120",
            "--check-ins", "200",
            "--reads-per-visit", "1",
            "--duration", "45",
            "--concurrency", "32",
            "--json", str(report_path),
            "--quiet",
        ]
    )  # fmt: skip
    report = json.loads(report_path.read_text())
    verdicts = {v["name"]: v for v in report["invariants"]}
    assert {n for n, v in verdicts.items() if not v["ok"]} == set(), verdicts
    assert status == 0
    assert INVARIANTS <= set(verdicts)
    assert report["plan"]["activities"] == 120 and report["plan"]["provinces"] == ["44", "61"]
    assert report["observed_totals"]["activities"] == report["recount"]["totals"]["activities"] > 100
    assert report["recount"]["totals"]["checkins"] > 0 and report["recount"]["thank_yous"] > 0
    calls = {e["endpoint"]: e for e in report["endpoints"]}
    assert calls["POST /api/v1/activities"]["statuses"] == {"201": 120}
    assert "POST /api/v1/recommendations/{id}/endorse" in calls


def agreeing() -> tuple[Recount, Observed, dict[str, EndpointStats]]:
    recount = Recount(
        totals={"activities": 3, "info_completed": 2, "science_workers": 4, "checkins": 9, "feedback": 2},
        provinces={"61": 2, "44": 1},
        public=["a1", "a2"],
        hidden=["a3"],
        thank_yous={"13912345678": 1, "13912345679": 2, "13912345670": 0},
        province_quota=2,
        national_quota=1,
        recommended={"61": 2, "44": 1},
        endorsed=1,
    )
    observed = Observed(
        totals=dict(recount.totals),
        provinces=dict(recount.provinces),
        listed={"a1": True, "a2": True, "a3": False},
        handsets=dict(recount.thank_yous),
        sent={"61": 2, "44": 1},
        endorsed=1,
    )
    stats = {"GET /api/v1/directory/activities": EndpointStats(statuses=Counter({"200": 5}))}
    return recount, observed, stats


def failing(recount: Recount, observed: Observed, stats: dict[str, EndpointStats]) -> set[str]:
    return {v.name for v in compare(recount, observed, stats) if not v.ok}


def test_the_checker_names_the_invariant_a_differing_recount_breaks() -> None:
    recount, observed, stats = agreeing()
    assert failing(recount, observed, stats) == set()

    more = deepcopy(recount)
    more.totals["activities"] += 1
    more.provinces["61"] += 1
    assert failing(more, observed, stats) == {"analytics-totals", "analytics-per-province"}

    shown = deepcopy(observed)
    shown.listed["a3"] = True  # a withdrawn activity still listed
    assert failing(recount, shown, stats) == {"directory-visibility"}

    twice = deepcopy(observed)
    twice.handsets["13912345678"] = 2
    assert failing(recount, twice, stats) == {"thank-you-once"}

    over = deepcopy(observed)
    over.sent["61"] = 3  # above the province quota of 2
    assert failing(recount, over, stats) == {"recommendation-quotas"}

    broken = {"GET /api/v1/directory/activities": EndpointStats(statuses=Counter({"200": 4, "503": 1}))}
    assert failing(recount, observed, broken) == {"no-5xx"}


def test_the_rate_within_the_p99_bound_is_the_best_window_whose_p99_kept_it() -> None:
    stats = EndpointStats()
    for second in range(30):  # 0–10 s: 5 calls a second, fast; 10–20 s: 20 a second, slow; 20–30 s: 8, fast
        calls, latency = (5, 0.01) if second < 10 else (20, 0.5) if second < 20 else (8, 0.05)
        for n in range(calls):
            stats.finished.append(second + n / calls)
            stats.latencies.append(latency)
    assert within_bound(stats) == 8.0  # the busiest window was too slow to count
    assert within_bound(stats, bound_ms=1000) == 20.0
    assert within_bound(stats, bound_ms=5) == 0.0


def scale(*argv: str) -> Scale:
    return scale_of(_parser().parse_args(["simulate", "--start", *argv]))


def test_national_sizes_the_campaign_and_check_ins_replace_its_visitors() -> None:
    whole = scale("--national", "1")
    assert (whole.units, whole.activities, whole.check_ins) == (60_000, 500_000, 1_000_000)
    organizers_whole = scale("--national", "1", "--check-ins", "100000")
    assert (organizers_whole.units, organizers_whole.activities, organizers_whole.check_ins) == (
        60_000,
        500_000,
        100_000,
    )
    assert scale("--units", "5", "--activities", "9").check_ins == 3000


def test_a_campaign_the_command_line_cannot_size_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match=r"fraction in \(0, 1\]"):
        scale("--national", "1.5")
    with pytest.raises(ValueError, match="--activities ≥ --units"):
        scale("--units", "10", "--activities", "9")
    assert main(["simulate", "--start", "--national", "0"]) == 2
    assert "--national takes a fraction" in capsys.readouterr().out


def test_workers_size_the_platform_started_here_and_only_that(capsys: pytest.CaptureFixture[str]) -> None:
    parse = _parser().parse_args
    assert workers_of(parse(["simulate", "--start", "--workers", "3"])) == 3
    assert workers_of(parse(["simulate", "--start"])) == default_workers()  # as `kepuri up` does
    assert workers_of(parse(["simulate", "--base-url", "http://127.0.0.1"])) == 1
    with pytest.raises(ValueError, match="1 or more"):
        workers_of(parse(["simulate", "--start", "--workers", "0"]))
    assert main(["simulate", "--base-url", "http://127.0.0.1", "--workers", "2"]) == 2
    assert "--workers sizes the platform --start starts" in capsys.readouterr().out


def test_sigterm_mid_season_reports_the_season_so_far_and_stops_the_platform(tmp_path: Path) -> None:
    report_path = tmp_path / "partial.json"
    command = [
        sys.executable,
        "-m",
        "cli",
        "simulate",
        "--start",
        "--workers",
        "1",
        "--provinces",
        "61",
        "--units",
        "5",
    ]
    command += ["--activities", "20", "--check-ins", "20", "--duration", "60", "--json", str(report_path)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stderr is not None
        directory = Path(process.stderr.readline().decode().rsplit(" in ", 1)[1].strip())
        progress = b""
        for _ in range(2000):  # bounded: the progress line is redrawn twice a second
            progress += os.read(process.stderr.fileno(), 4096)
            if re.search(rb"\| [1-9]\d* calls", progress):
                break
        children = [
            int(pid) for pid in subprocess.check_output(["ps", "-o", "pid=", "--ppid", str(process.pid)]).split()
        ]
        assert len(children) == 5

        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=90)
    finally:
        process.kill()
    assert process.returncode == 1
    assert b"invariant season-completed FAILED: interrupted on season day" in err
    report = json.loads(report_path.read_text())
    assert [v["name"] for v in report["invariants"]] == ["season-completed"]
    assert sum(e["calls"] for e in report["endpoints"]) > 0
    stopped_on = re.search(r"season day ([+-]\d+\.\d)", report["invariants"][0]["detail"])
    assert stopped_on is not None and float(stopped_on[1]) < SEASON_END  # stopped, not run to its end
    assert not directory.exists()
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
