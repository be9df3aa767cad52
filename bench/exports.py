"""Analytics exports: a 500,000-row table as CSV and as XLSX through the real app, time and peak memory.

One analytics database (SQLite file, migrated by the app itself) gets ``--rows`` activity facts
(default 500,000; 50,000 with ``--quick``) of one campaign, spread over 30 counties, with every column
filled, loaded with raw ``sqlite3`` before the clock starts. Then, interleaved, ``--reps`` times:

* ``GET /api/v1/exports/activities.csv`` (30 columns, region names, China-time ranges, labels) and
  ``GET /api/v1/exports/key-activities.xlsx`` (附件1's eight columns; every fact is a key activity
  here, so the same 500,000 rows), each called on the ASGI app itself with an admin's token, the body
  counted and dropped as a client would receive it (httpx's ASGI transport keeps whole bodies);
* the baseline: raw ``sqlite3``, the same rows in the same order (``SELECT *`` with the export's
  filter and ``ORDER BY``), written with ``csv.writer`` to a file: no formatting, no HTTP.

For each: seconds for the whole export, and the growth of the process's peak resident memory
(``VmHWM`` after resetting it through ``/proc/self/clear_refs``, minus ``VmRSS`` before): what
streaming has to keep flat. Its baseline is the size of the data: the rows as Python tuples, all at
once (``sys.getsizeof`` of a 1,000-row sample, times the rows), as a non-streaming export would hold
them before writing anything; the files' sizes are printed below the table.

    python -m bench.exports [--quick] [--rows 500000] [--reps 3]
"""

from __future__ import annotations

import asyncio
import csv
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from services.analytics.bootstrap import build, create_app
from services.analytics.settings import AnalyticsSettings
from shared.auth import Principal, TokenVerifier, generate_private_key_pem, public_key_pem, sign_token

from .common import Result, cli, interleaved, report, settle_heap

CAMPAIGN = "2024-national"
COUNTIES = (
    *("110101", "110105", "120101", "130102", "140105", "210102", "310104", "320102", "330102", "340102"),
    *("350102", "360102", "370102", "410102", "420102", "430102", "440103", "450102", "500101", "510104"),
    *("520102", "530102", "610102", "610502", "610503", "610522", "620102", "630102", "640104", "650102"),
)
QUERY = (
    "SELECT * FROM activity_facts WHERE campaign = ? AND withdrawn = 0 AND version > 0 "
    "ORDER BY region_code, starts_at, activity_id"
)
MB = 1024 * 1024


def facts(count: int) -> Iterator[tuple[Any, ...]]:
    """``count`` rows of ``activity_facts``, every column filled, in the table's column order."""
    base = datetime(2024, 9, 15, 1, 0, tzinfo=UTC)
    for i in range(count):
        county = COUNTIES[i % len(COUNTIES)]
        starts = base + timedelta(days=i % 11, minutes=i % 600)
        fmt = ("offline", "online", "both")[i % 3]
        yield (
            f"{i:032x}", CAMPAIGN, county, county[:2], county[:4], county, f"unit-{i % 5000}",
            f"{county}科学技术协会第{i % 5000}分会", f"走进科技馆·人工智能与生活科普讲座第{i}场",
            ("科普讲座", "科普展览", "科学实验", "食品安全")[i % 4], "科技馆之城" if i % 5 == 0 else None,
            fmt, 1, str(starts.replace(tzinfo=None)), str((starts + timedelta(hours=2)).replace(tzinfo=None)),
            (starts + timedelta(hours=8)).date().isoformat(),
            None if fmt == "online" else f"{county}区朝阳大街{i % 300}号科技馆二楼报告厅",
            None if fmt == "offline" else f"https://live.kepuri.example/activities/{i:032x}",
            "王*国", "138****5678", 200, 180, i % 20, i % 2, 0, "approved", ("county", "city", None)[i % 3],
            i % 50 == 0, i % 97, i % 7, (i % 7) * 4, str((base - timedelta(days=30)).replace(tzinfo=None)), 1,
        )  # fmt: skip


def load(database: Path, count: int) -> float:
    """Insert the facts with raw sqlite3; the MB their rows take as Python tuples, all at once."""
    with sqlite3.connect(database) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(activity_facts)")]
        marks = ", ".join("?" * len(columns))
        rows = facts(count)
        while batch := [row for _, row in zip(range(20_000), rows, strict=False)]:
            connection.executemany(f"INSERT INTO activity_facts ({', '.join(columns)}) VALUES ({marks})", batch)
        sample = connection.execute(f"{QUERY} LIMIT 1000", (CAMPAIGN,)).fetchall()
    per_row = sum(sys.getsizeof(r) + sum(sys.getsizeof(v) for v in r) for r in sample) / len(sample)
    return per_row * count / MB


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def _status(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name):
            return int(line.split()[1]) * 1024
    return 0


async def measured(work: Callable[[], Any]) -> tuple[float, float, Any]:
    """Seconds and peak resident growth (MB) of ``await work()``, and what it returned."""
    settle_heap()
    _reset_peak()
    before = _status("VmRSS:")
    started = time.perf_counter()
    value = await work()
    seconds = time.perf_counter() - started
    return seconds, (_status("VmHWM:") - before) / MB, value


async def call(app: FastAPI, path: str, token: str) -> tuple[int, int]:
    """GET on the ASGI app, the body counted and dropped: status and bytes."""
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": raw_path, "raw_path": raw_path.encode(), "root_path": "", "query_string": query.encode(),
        "headers": [(b"authorization", f"Bearer {token}".encode())], "client": ("127.0.0.1", 1), "server": ("kepuri", 80),
    }  # fmt: skip
    seen = {"status": 0, "bytes": 0}
    requested, done = False, asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            seen["status"] = message["status"]
        elif message["type"] == "http.response.body":
            seen["bytes"] += len(message.get("body", b""))
            if not message.get("more_body", False):
                done.set()

    await app(scope, receive, send)
    if seen["status"] != 200:
        raise RuntimeError(f"{path} answered {seen['status']}")
    return seen["status"], seen["bytes"]


def raw_csv(database: Path, target: Path) -> int:
    """The baseline: the same rows with raw sqlite3 and csv.writer; bytes written."""
    with sqlite3.connect(database) as connection, target.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        cursor = connection.execute(QUERY, (CAMPAIGN,))
        writer.writerow([d[0] for d in cursor.description])
        while rows := cursor.fetchmany(1000):
            writer.writerows(rows)
    return target.stat().st_size


async def main_async(count: int, reps: int) -> tuple[list[Result], list[str]]:
    key = generate_private_key_pem()
    token = sign_token(key, Principal("bench-admin", "admin"))
    with tempfile.TemporaryDirectory(prefix="kepuri-bench-exports-") as root:
        database = Path(root) / "analytics.db"
        settings = AnalyticsSettings(
            data_dir=Path(root),
            database_url=f"sqlite+aiosqlite:///{database}",
            bus_url=f"embedded:{Path(root) / 'bus.db'}",
        )
        app = create_app(build(settings))
        async with app.router.lifespan_context(app):
            app.state.container.verifier = TokenVerifier(public_key_pem(key))
            loading = time.perf_counter()
            as_tuples = await asyncio.to_thread(load, database, count)
            print(f"loaded {count:,} facts in {time.perf_counter() - loading:.1f} s", file=sys.stderr)
            query = f"?campaign={CAMPAIGN}"
            sizes: dict[str, int] = {}
            memory: dict[str, list[float]] = {"csv": [], "xlsx": [], "raw": []}

            def case(name: str, work: Callable[[], Any]) -> Callable[[], Any]:
                async def run() -> float:
                    seconds, grown, value = await measured(work)
                    memory[name].append(grown)
                    sizes[name] = value[1] if isinstance(value, tuple) else value
                    print(f"  {name}: {seconds:.1f} s, peak RSS +{grown:.1f} MB", file=sys.stderr)
                    return seconds

                return run

            cases = [
                case("csv", lambda: call(app, f"/api/v1/exports/activities.csv{query}", token)),
                case("xlsx", lambda: call(app, f"/api/v1/exports/key-activities.xlsx{query}", token)),
                case("raw", lambda: asyncio.to_thread(raw_csv, database, Path(root) / "raw.csv")),
            ]
            csv_s, xlsx_s, raw_s = await interleaved(reps, cases)
    rows = f"{count:,} rows"
    results = [
        Result("exports", f"CSV, activities (30 columns), {rows}", "s", csv_s, "raw sqlite3 → csv.writer", raw_s),
        Result("exports", f"XLSX, key-activities (附件1), {rows}", "s", xlsx_s, "raw sqlite3 → csv.writer", raw_s),
        Result("exports", "CSV: peak RSS growth", "MB", memory["csv"], "the rows as Python tuples", [as_tuples]),
        Result("exports", "XLSX: peak RSS growth", "MB", memory["xlsx"], "the rows as Python tuples", [as_tuples]),
        Result("exports", "raw sqlite3 → csv.writer: peak RSS growth", "MB", memory["raw"]),
    ]
    notes = [
        f"Size of the data: the CSV export is {sizes['csv'] / MB:,.0f} MB, the XLSX {sizes['xlsx'] / MB:,.0f} MB, "
        f"the raw CSV {sizes['raw'] / MB:,.0f} MB; the {rows} as Python tuples, all at once, ≈ {as_tuples:,.0f} MB.",
        f"Rates: CSV {count / min(csv_s):,.0f} rows/s, XLSX {count / min(xlsx_s):,.0f} rows/s, "
        f"raw {count / min(raw_s):,.0f} rows/s (best repetition).",
    ]
    return results, notes


def main() -> None:
    args = cli(__doc__ or "", reps=3, quick_reps=2, extra=[("--rows", {"type": int, "default": 0})])
    count = args.rows or (50_000 if args.quick else 500_000)
    results, notes = asyncio.run(main_async(count, args.reps))
    report("Analytics exports", results, args, notes)


if __name__ == "__main__":
    main()
