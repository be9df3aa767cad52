"""Lighthouse on the public pages, served through the proxy, and the public entry's JavaScript size.

Issue 18's figures: Lighthouse (npm ``lighthouse``, pinned in web/package.json; its default mobile
profile: a Moto G class phone, simulated slow 4G and a 4x CPU slowdown) against Debian's Chromium
(``CHROME_PATH=/usr/bin/chromium``) on the public home, search, map and activity pages of the real
platform: ``kepuri up`` on free ports (the four services and Caddy in front, as the journeys start
it), ``kepuri seed``'s campaigns, and this year's campaign with one approved activity with
coordinates, so the home, search and activity pages have content. Each page runs ``--reps`` times
(one Chromium each); the table has the median performance and accessibility scores, LCP, TBT and
CLS. Targets: performance >= 90, accessibility >= 95. The public entry's JavaScript is the static
import closure of web/dist's entry chunk, each file gzipped (as tests/web/test_site.py counts it):
<= 200 KB. Not part of the test suite: it needs web/node_modules/.bin/lighthouse (``npm ci`` in web/).

    python -m bench.lighthouse [--quick] [--reps 3] [--pages home,search,map,activity] [--reports DIR]
"""

from __future__ import annotations

import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from cli.site import PROJECT_ROOT, build_site
from harness.kepuri_up import ROOT, RunningUp, kepuri_up

from .common import cli, describe_machine, machine

WEB = PROJECT_ROOT / "web"
LIGHTHOUSE = WEB / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run"
PAGES = ("home", "search", "map", "activity")
PERFORMANCE_TARGET, ACCESSIBILITY_TARGET = 90, 95
ENTRY_BUDGET_KB = 200
ATTEMPTS = 3  # a run whose trace failed is run again, as Lighthouse's own message asks
ADMIN, PASSWORD = "bench-admin", "kepuri-bench-2026"
CHINA = ZoneInfo("Asia/Shanghai")


def kepuri(up: RunningUp, *command: str) -> None:
    """``kepuri <command>`` beside the running platform, as an operator runs it."""
    env = {**up.env, "KEPURI_STAFF_PASSWORD": PASSWORD}
    done = subprocess.run(
        [sys.executable, "-m", "cli", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    if done.returncode:
        raise SystemExit(f"kepuri {' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def prepare(up: RunningUp, data: Path) -> str:
    """Seed the campaigns, then this year's campaign (registration open, registrations published
    without review) with one activity with coordinates; returns the activity's id once the public
    directory serves it."""
    where = ("--data-dir", str(data))
    kepuri(up, "seed", *where)
    kepuri(up, "staff", "create", *where, "--role", "admin", "--login", ADMIN)
    today = datetime.now(CHINA).date()
    with httpx.Client(base_url=up.site, timeout=30) as client:

        def token(login: str) -> dict[str, str]:
            answer = client.post("/api/v1/auth/token", json={"login": login, "password": PASSWORD})
            answer.raise_for_status()
            return {"Authorization": f"Bearer {answer.json()['access_token']}"}

        campaign = f"{today.year}-bench"
        body: dict[str, Any] = {
            "id": campaign,
            "year": today.year,
            "title": f"{today.year}年全国科普日",
            "theme": "科普向未来",
            "week": {"starts_on": str(today.replace(day=1)), "ends_on": str(today.replace(month=12, day=31))},
            "registration": {"opens_on": str(today.replace(day=1)), "closes_on": str(today.replace(month=12, day=31))},
            "auto_approve": True,
            "themes": ["食品安全", "防灾避险"],
            "target_groups": ["公众", "青少年"],
        }
        answer = client.post("/api/v1/campaigns", json=body, headers=token(ADMIN))
        answer.raise_for_status()
        unit = {
            "name": "渭南市科技馆",
            "unit_type": "museum",
            "region_code": "610502",
            "contact_name": "王建国",
            "contact_phone": "13812340001",
            "password": PASSWORD,
        }
        client.post("/api/v1/units", json=unit).raise_for_status()
        starts = datetime.now(CHINA).replace(microsecond=0) + timedelta(hours=2)
        activity = {
            "campaign_id": campaign,
            "name": "食品安全进社区科普讲座",
            "organizer": "渭南市科技馆",
            "themes": ["食品安全"],
            "target_groups": ["公众"],
            "format": "offline",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "region_code": "610502",
            "address": "渭南市临渭区朝阳大街 1 号社区活动中心",
            "longitude": 109.5099,
            "latitude": 34.4998,
            "expected_participants": 200,
            "key_activity": True,
            "description": "讲解食品标签识读与常见食品安全误区，现场答疑。",
            "contact_name": "王建国",
            "contact_phone": "13812340001",
        }
        headers = {**token(unit["contact_phone"]), "Idempotency-Key": str(uuid.uuid4())}
        answer = client.post("/api/v1/activities", json=activity, headers=headers)
        answer.raise_for_status()
        activity_id = str(answer.json()["id"])
        deadline = time.monotonic() + 60
        while client.get(f"/api/v1/directory/activities/{activity_id}").status_code != 200:
            if time.monotonic() > deadline:
                raise SystemExit(f"activity {activity_id} never reached the public directory")
            time.sleep(0.5)
    return activity_id


def lighthouse(url: str, output: Path) -> dict[str, float]:
    """One Lighthouse run (mobile profile, a fresh Chromium) on ``url``: scores and metrics."""
    command = [
        str(LIGHTHOUSE),
        url,
        f"--chrome-flags={CHROME_FLAGS}",
        "--only-categories=performance,accessibility",
        "--output=json",
        f"--output-path={output}",
        "--quiet",
    ]
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    for attempt in range(1, ATTEMPTS + 1):
        output.unlink(missing_ok=True)
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
        result = json.loads(output.read_text()) if output.exists() else {}
        error = result.get("runtimeError") if result else f"exit {done.returncode}: {done.stderr[-2000:]}"
        if not error:
            break
        # Lighthouse itself says to run again when its trace of the load went wrong (NO_NAVSTART, …)
        print(
            f"  lighthouse {url}: {error.get('message', error) if isinstance(error, dict) else error}; attempt {attempt} of {ATTEMPTS}",
            file=sys.stderr,
        )
    else:
        raise SystemExit(f"lighthouse {url} failed {ATTEMPTS} times: {error}")
    audits = result["audits"]
    return {
        "performance": round(100 * (result["categories"]["performance"]["score"] or 0)),
        "accessibility": round(100 * (result["categories"]["accessibility"]["score"] or 0)),
        "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
        "tbt_ms": audits["total-blocking-time"]["numericValue"],
        "cls": audits["cumulative-layout-shift"]["numericValue"],
    }


def failing_audits(output: Path) -> list[str]:
    """The accessibility audits a run failed and the heaviest performance opportunities, for a
    page under its target."""
    result = json.loads(output.read_text())
    lines = []
    for ref in result["categories"]["accessibility"]["auditRefs"]:
        audit = result["audits"][ref["id"]]
        if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
            lines.append(f"accessibility: {ref['id']} ({audit['title']})")
    for ref in result["categories"]["performance"]["auditRefs"]:
        audit = result["audits"][ref["id"]]
        if ref.get("group") == "metrics" and audit["score"] is not None and audit["score"] < 0.9:
            lines.append(f"performance: {ref['id']} {audit.get('displayValue', '')} (score {audit['score']:.2f})")
    return lines


def entry_size(dist: Path) -> tuple[int, int]:
    """The public entry's JavaScript (its static import closure in web/dist), gzipped: bytes, files."""
    manifest = json.loads((dist / ".vite" / "manifest.json").read_text())
    entry = next(key for key, chunk in manifest.items() if chunk.get("isEntry"))
    seen: set[str] = set()
    pending = [entry]
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.add(current)
            pending.extend(manifest[current].get("imports", []))
    files = [manifest[key]["file"] for key in seen if manifest[key]["file"].endswith(".js")]
    return sum(len(gzip.compress((dist / f).read_bytes())) for f in files), len(files)


def main() -> None:
    args = cli(
        __doc__ or "",
        reps=3,
        quick_reps=1,
        extra=[
            ("--pages", {"default": ",".join(PAGES), "help": f"which of {', '.join(PAGES)} (default all)"}),
            ("--reports", {"type": Path, "help": "keep each run's Lighthouse JSON report in this folder"}),
        ],
    )
    pages = [p for p in args.pages.split(",") if p]
    if args.reports:
        args.reports.mkdir(parents=True, exist_ok=True)
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} is missing: run `npm ci` in web/")
    version = json.loads((WEB / "node_modules" / "lighthouse" / "package.json").read_text())["version"]
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    dist = build_site(PROJECT_ROOT)
    entry_bytes, entry_files = entry_size(dist)
    samples: dict[str, list[dict[str, float]]] = {}
    problems: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="kepuri-lighthouse-") as tmp:
        folder = Path(tmp)
        with kepuri_up(folder / "data", log_dir=folder) as up:
            activity = prepare(up, folder / "data")
            paths = {"home": "/", "search": "/search?q=食品安全", "map": "/map", "activity": f"/activities/{activity}"}
            for rep in range(args.reps):
                for page in pages:  # pages interleaved, so a slow minute of the machine spreads over all
                    output = (args.reports or folder) / f"{page}-{rep + 1}.json"
                    run = lighthouse(up.site + paths[page], output)
                    samples.setdefault(page, []).append(run)
                    print(f"  {page} run {rep + 1}: {run}", file=sys.stderr)
                    if run["performance"] < PERFORMANCE_TARGET or run["accessibility"] < ACCESSIBILITY_TARGET:
                        problems.setdefault(page, failing_audits(output))
    info = machine()
    print(f"\n### Lighthouse, public pages{' (quick)' if args.quick else ''}\n")
    print(
        f"Machine: {describe_machine(info)}; Lighthouse {version}, mobile profile; {chromium}; {args.reps} runs per page.\n"
    )
    print("| page | path | performance | accessibility | LCP | TBT | CLS | target |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    rows = []
    for page in pages:
        runs = samples[page]
        median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        met = median["performance"] >= PERFORMANCE_TARGET and median["accessibility"] >= ACCESSIBILITY_TARGET
        path = paths[page] if page != "activity" else "/activities/:id"
        print(
            f"| {page} | `{path}` | {median['performance']:.0f} | {median['accessibility']:.0f} "
            f"| {median['lcp_ms'] / 1000:.2f} s | {median['tbt_ms']:.0f} ms | {median['cls']:.3f} "
            f"| perf ≥ {PERFORMANCE_TARGET}, a11y ≥ {ACCESSIBILITY_TARGET}: {'met' if met else 'NOT met'} |"
        )
        rows.append({"page": page, "path": path, "median": median, "runs": runs, "met": met})
    kb = entry_bytes / 1024
    print(
        f"\nPublic entry JavaScript: {kb:.1f} KB gzipped in {entry_files} files "
        f"(budget {ENTRY_BUDGET_KB} KB: {'met' if kb <= ENTRY_BUDGET_KB else 'NOT met'})."
    )
    for page, lines in problems.items():
        print(f"\n{page} below target in a run:\n" + "\n".join(f"- {line}" for line in lines))
    if args.json:
        payload = {
            "title": "Lighthouse, public pages",
            "quick": args.quick,
            "reps": args.reps,
            "machine": info,
            "lighthouse": version,
            "chromium": chromium,
            "pages": rows,
            "public_entry_gzip_bytes": entry_bytes,
        }
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
