"""``kepuri simulate``: set up, run the season with a live one-line progress, settle, check, report.

Setup goes through the operator commands and the public APIs only: ``kepuri seed`` when no campaign
is configured, ``kepuri staff create`` for the admin and the reviewers (with ``KEPURI_STAFF_PASSWORD``;
an existing login is reused), a campaign of the simulation's own (``POST /api/v1/campaigns``) whose
lists are the seeded campaign's, and tokens from ``POST /api/v1/auth/token``.
Exit status: 0 when every invariant holds, 1 when one fails (named on stderr), 2 when setup failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import httpx
from tqdm import tqdm

from harness.platform import Platform
from services.registration.domain.unit import Level
from shared.auth import Role

from . import report
from .campaign import SEASON_END, SEASON_START, Scale, Season, generate
from .driver import Driver, SeasonClock
from .flows import PASSWORD, Simulation, bearer
from .invariants import Observed, Recount, Verdict, check, recount
from .lag import CONSUMERS, LagSampler


@dataclass
class Options:
    scale: Scale
    compression: float | None = None  # season days per real second (None: from duration)
    duration: float = 120.0
    rate: float = 5000.0
    concurrency: int = 64
    template: str = "2024-national"
    run_tag: str | None = None
    quiet: bool = False
    workers: int = 1  # --start: `kepuri up --workers` (1: one process per service)

    def days_per_second(self) -> float:
        return self.compression or (SEASON_END - SEASON_START) / self.duration


@dataclass(frozen=True)
class OperatorCommands:
    """The operator commands setup runs, handed in by the ``kepuri`` command (cli/simulate.py), which
    hosts them: the simulation does not import the command that runs it."""

    seed: Callable[[Path], int]  # `kepuri seed --data-dir D`: its exit status
    # `kepuri staff create --data-dir D --role R --login L [--level] [--jurisdiction]` with the password
    # as KEPURI_STAFF_PASSWORD: its exit status (1: the login exists)
    create_staff: Callable[[Path, Role, str, Level | None, str | None, str], int]


# With --start, passwords are hashed at argon2id's lowest cost unless KEPURI_REGISTRATION_PASSWORD_HASH_*
# say otherwise: at the production cost (about 0.12 s of CPU each) a compressed season's sign-ups and
# logins would measure the hash, not the platform — 60,000 units take four CPU-hours.
CHEAP_HASHES = {
    name: value
    for name, value in (
        ("KEPURI_REGISTRATION_PASSWORD_HASH_TIME_COST", "1"),
        ("KEPURI_REGISTRATION_PASSWORD_HASH_MEMORY_KIB", "8192"),
        ("KEPURI_REGISTRATION_PASSWORD_HASH_PARALLELISM", "1"),
    )
    if name not in os.environ
}


# a simulation's thank-yous must not wait for 08:00 China time
NO_QUIET_HOURS = {"KEPURI_NOTIFICATION_QUIET_HOURS": ""}


class SetupFailed(Exception):
    pass


def main(
    options: Options,
    operator: OperatorCommands,
    base_url: str | None,
    start: bool,
    data_dir: Path | None,
    json_path: Path | None,
) -> int:
    """The command: against ``base_url`` (ports 8001–8004 and 8013) or a platform started here.

    Ctrl-C or SIGTERM during the season stops it and reports the season so far; during settling and
    the checks, it reports the whole season with its invariants unchecked (a second Ctrl-C, or one
    during setup, stops without a report); the platform started here stops too.
    """
    try:
        if start:
            return _started(options, operator, data_dir, json_path)
        return _against(options, operator, base_url, data_dir, json_path)
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("kepuri simulate: interrupted, no report", file=sys.stderr)
        return 130


def _started(options: Options, operator: OperatorCommands, data_dir: Path | None, json_path: Path | None) -> int:
    signal.signal(signal.SIGTERM, _stop_like_ctrl_c)  # until the event loop runs, and after it
    with tempfile.TemporaryDirectory(prefix="kepuri-sim-") as temporary:
        directory = data_dir or Path(temporary)
        print(f"kepuri simulate: starting the platform in {directory}", file=sys.stderr, flush=True)
        with Platform(directory, {**CHEAP_HASHES, **NO_QUIET_HOURS}, workers=options.workers) as platform:
            urls = {**platform.urls, "sms": platform.urls["sms-standin"]}
            try:
                return asyncio.run(_main(options, operator, urls, directory, platform.pids, json_path))
            finally:
                signal.signal(signal.SIGTERM, _stop_like_ctrl_c)  # closing the loop reset it


def _against(
    options: Options, operator: OperatorCommands, base_url: str | None, data_dir: Path | None, json_path: Path | None
) -> int:
    host = (base_url or "http://127.0.0.1").rstrip("/")
    urls = {n: f"{host}:{p}" for n, p in (("registration", 8001), ("review", 8002), ("notification", 8003))}
    urls |= {"analytics": f"{host}:8004", "sms": f"{host}:8013"}
    # `kepuri up --workers N` (N > 1) runs the consumers in background processes on 8101-8104
    urls |= {f"{name}-background": f"{host}:{8100 + n}" for n, name in enumerate(CONSUMERS, 1)}
    directory = (data_dir or Path(os.environ.get("KEPURI_DATA_DIR", "data"))).resolve()
    return asyncio.run(_main(options, operator, urls, directory, {}, json_path))


def _stop_like_ctrl_c(_signal: int, _frame: object) -> None:
    """SIGTERM unwinds the run as Ctrl-C does: the services stop and the temporary directory goes."""
    raise KeyboardInterrupt


async def _main(
    options: Options,
    operator: OperatorCommands,
    urls: dict[str, str],
    data_dir: Path,
    pids: dict[str, int],
    json_path: Path | None,
) -> int:
    loop, task = asyncio.get_running_loop(), asyncio.current_task()
    assert task is not None
    loop.add_signal_handler(signal.SIGTERM, task.cancel)  # as Ctrl-C: the season stops and is reported
    try:
        result = await simulate(options, operator, urls, data_dir, pids)
    except SetupFailed as exc:
        print(f"kepuri simulate: setup failed: {exc}", file=sys.stderr)
        return 2
    print(report.markdown(result))
    if json_path:
        report.write_json(result, json_path)
    failed = [v for v in result["invariants"] if not v["ok"]]
    for v in failed:
        print(f"kepuri simulate: invariant {v['name']} FAILED: {v['detail']}", file=sys.stderr)
    return 1 if failed else 0


async def _staff(
    operator: OperatorCommands, data_dir: Path, provinces: list[str]
) -> dict[str, tuple[str, str | None, str | None]]:
    """Admin, national and province reviewers through ``kepuri staff create`` (an existing login is kept)."""
    wanted: dict[str, tuple[str, str | None, str | None]] = {"admin": ("sim-admin", None, None)}
    wanted["national"] = ("sim-national", "national", None)
    wanted |= {f"province:{p}": (f"sim-province-{p}", "province", p) for p in provinces}
    for _key, (login, level, jurisdiction) in wanted.items():
        role: Role = "admin" if level is None else "reviewer"
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
            status = await asyncio.to_thread(
                operator.create_staff, data_dir, role, login, cast(Level | None, level), jurisdiction, PASSWORD
            )
        if status not in (0, 1):
            raise SetupFailed(f"kepuri staff create {login}: {err.getvalue().strip()}")
    return wanted


async def _setup(
    options: Options, operator: OperatorCommands, urls: dict[str, str], data_dir: Path
) -> tuple[Season, dict[str, dict[str, str]]]:
    async with httpx.AsyncClient(timeout=30) as client:
        campaigns = (await client.get(f"{urls['registration']}/api/v1/campaigns")).json()["items"]
        if not campaigns:
            with contextlib.redirect_stdout(io.StringIO()):
                await asyncio.to_thread(operator.seed, data_dir)
            campaigns = (await client.get(f"{urls['registration']}/api/v1/campaigns")).json()["items"]
        template = next((c for c in campaigns if c["id"] == options.template), campaigns[0] if campaigns else None)
        if template is None:
            raise SetupFailed("no campaign configured, and `kepuri seed` configured none")
        lists = {k: template[k] for k in ("categories", "joint_actions", "programmes", "themes", "target_groups")}
        tag = options.run_tag or datetime.now(UTC).strftime("%m%d%H%M%S")
        season = generate(options.scale, lists, tag)
        accounts = await _staff(operator, data_dir, season.provinces)
        staff = {}
        for key, (login, _level, _j) in accounts.items():
            answer = await client.post(
                f"{urls['registration']}/api/v1/auth/token", json={"login": login, "password": PASSWORD}
            )
            if answer.status_code != 200:
                raise SetupFailed(f"{login} cannot log in ({answer.status_code}): was it made with another password?")
            staff[key] = bearer(answer.json()["access_token"])
        body = {
            **{k: template[k] for k in ("theme", *lists)},
            "id": season.campaign_id,
            "year": season.week[0].year,
            "title": f"{season.week[0].year}年全国科普日（模拟 seed {options.scale.seed}）",
            "week": {"starts_on": season.week[0].isoformat(), "ends_on": season.week[1].isoformat()},
            "auto_approve": False,
            "settings": {
                "recommendation": {
                    "levels": ["province"],
                    "forward_to": "national",
                    "quotas": {"province": options.scale.province_quota, "national": options.scale.national_quota},
                }
            },
        }
        answer = await client.post(f"{urls['registration']}/api/v1/campaigns", json=body, headers=staff["admin"])
        if answer.status_code not in (201, 409):
            raise SetupFailed(f"POST /api/v1/campaigns answered {answer.status_code}: {answer.text[:500]}")
    return season, staff


async def simulate(
    options: Options, operator: OperatorCommands, urls: dict[str, str], data_dir: Path, pids: dict[str, int]
) -> dict[str, Any]:
    """Set up, run the season, settle and check; the report (see :mod:`.report`)."""
    began = time.monotonic()
    season, staff = await _setup(options, operator, urls, data_dir)
    setup_s = time.monotonic() - began
    clock = SeasonClock(options.days_per_second())
    driver = Driver(urls, options.rate, options.concurrency)
    sampler = LagSampler(urls, clock.day, pids)
    simulation = Simulation(season, driver, clock, staff)
    sampler.start()
    progress = asyncio.create_task(_progress(simulation, sampler, options.quiet))
    try:
        stopped = await _season(simulation)
        season_s, settle_s = time.monotonic() - clock.started, 0.0
        progress.cancel()
        await sampler.stop()
        if stopped is None:
            settle_began = time.monotonic()
            settled = await _settle_and_check(urls, simulation, sampler)
            settle_s = time.monotonic() - settle_began
            if not isinstance(settled, Verdict):
                expected, verdicts, observed = settled
                times = (setup_s, season_s, settle_s)
                return _report(options, simulation, sampler, times, expected, verdicts, observed.totals)
            stopped = settled  # stopped while settling or checking
        times = (setup_s, season_s, settle_s)
        return _report(options, simulation, sampler, times, recount(simulation), [stopped], None)
    finally:
        progress.cancel()
        await sampler.stop()
        await driver.close()


async def _settle_and_check(
    urls: dict[str, str], simulation: Simulation, sampler: LagSampler
) -> tuple[Recount, list[Verdict], Observed] | Verdict:
    """Wait for the consumers, review what came last, check the invariants.

    Ctrl-C or SIGTERM meanwhile gives a failed ``settled`` verdict instead: the season's figures are
    still reported, the invariants are not checked.
    """
    season = simulation.season
    patience = max(180.0, len(season.activities) / 100)  # a big season's last backlog takes longer
    try:
        drained = await sampler.drained(within=patience)
        for _round in range(5):  # what registered or changed last is judged too
            if not sum([await simulation.review_round(p) for p in season.provinces]):
                break
            drained = await sampler.drained(within=patience)
        expected = recount(simulation)
        verdicts, observed = await check(urls, simulation, expected)
    except asyncio.CancelledError:
        if not _first_stop():
            raise
        return Verdict("settled", False, "interrupted while settling or checking: the invariants were not checked")
    if not drained:
        verdicts.append(Verdict("consumers-caught-up", False, f"consumer lag did not reach 0 within {patience:.0f} s"))
    return expected, verdicts, observed


async def _season(simulation: Simulation) -> Verdict | None:
    """Run the season; when the run is cancelled (Ctrl-C, SIGTERM) stop its flows and say so.

    A second Ctrl-C aborts without a report, as asyncio does.
    """
    try:
        await simulation.run()
        return None
    except asyncio.CancelledError:
        if not _first_stop():
            raise
    day, flows = simulation.clock.day(), simulation.flows_running
    await simulation.stop()
    when = f"on season day {day:+.1f}" if day < SEASON_END else f"after the season's last day, {flows} flows behind"
    detail = f"interrupted {when}: the figures cover the season so far; invariants not checked"
    return Verdict("season-completed", False, detail)


def _first_stop() -> bool:
    """After a CancelledError: whether it was the first Ctrl-C or SIGTERM (report), not a second (abort)."""
    task = asyncio.current_task()
    return task is None or task.uncancel() == 0


def _report(
    options: Options,
    simulation: Simulation,
    sampler: LagSampler,
    times: tuple[float, float, float],
    expected: Recount,
    verdicts: list[Verdict],
    observed_totals: dict[str, Any] | None,
) -> dict[str, Any]:
    """The report's figures; ``times`` are the seconds of setup, season and settling with checks."""
    season, urls, pids = simulation.season, simulation.driver.urls, sampler.pids
    settings = {**asdict(options), "days_per_second": options.days_per_second(), "urls": urls}
    extra: dict[str, Any] = {
        "campaign_id": season.campaign_id,
        "plan": {
            "provinces": season.provinces,
            "units": len(season.units),
            "activities": len(season.activities),
            "visits": len(season.visits),
        },
        "seconds": dict(zip(("setup", "season", "settle_and_check"), times, strict=True)),
        "recount": asdict(expected)
        | {
            "public": len(expected.public),
            "hidden": len(expected.hidden),
            "thank_yous": sum(expected.thank_yous.values()),
        },
        "observed_totals": observed_totals,
        "password_hash_overrides": CHEAP_HASHES if pids else {},  # --start: what the services were given
        "visits_without_result": simulation.counts.visits_without_result,
        "quota_refusals": simulation.counts.quota_refusals,
    }
    return report.build(settings, simulation.driver.stats, sampler.samples, verdicts, extra)


async def _progress(simulation: Simulation, sampler: LagSampler, quiet: bool) -> None:
    clock, driver = simulation.clock, simulation.driver
    bar = tqdm(
        total=SEASON_END - SEASON_START,
        disable=quiet,
        file=sys.stderr,
        bar_format="{desc} {percentage:3.0f}%|{bar:20}| {postfix}",
        desc="season",
    )
    last_calls, last_t = 0, time.monotonic()
    try:
        while True:
            await asyncio.sleep(0.5)
            calls, failed = driver.totals()
            now = time.monotonic()
            rate, last_calls, last_t = (calls - last_calls) / (now - last_t), calls, now
            day = min(clock.day(), SEASON_END)
            lag = sum(sampler.latest.lag.values()) if sampler.latest else 0
            bar.n = day - SEASON_START
            bar.set_postfix_str(
                f"day {day:+.1f} | {calls} calls {rate:.0f}/s | in flight {driver.in_flight} | 5xx/failed {failed} | lag {lag:.0f}"
            )
    finally:
        bar.close()
