"""The invariants checked at the end, once every consumer has caught up.

The comparisons are pure functions of the simulator's own recount (``Recount``) and what the
platform's public APIs answer (``Observed``), so a test can feed them a recount that differs and see
the right invariant fail; ``observe`` reads the APIs and ``check`` polls until all hold or time runs out.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from .driver import EndpointStats
from .flows import Simulation

FINAL = {"no-5xx"}  # decided by the answers already given: not worth waiting for
FIGURES = ("activities", "info_completed", "science_workers", "checkins", "feedback")


@dataclass
class Recount:
    """What the simulator itself counted from the answers it got."""

    totals: dict[str, int]  # the FIGURES of accepted, not withdrawn activities
    provinces: dict[str, int]  # province code → such activities
    public: list[str]  # activity ids that must be in the directory
    hidden: list[str]  # ids that must not (withdrawn, or left rejected)
    thank_yous: dict[str, int]  # phone → thank-you messages due
    province_quota: int
    national_quota: int
    recommended: dict[str, int]  # province → recommendations accepted
    endorsed: int


@dataclass
class Observed:
    totals: dict[str, int] = field(default_factory=dict)
    provinces: dict[str, int] = field(default_factory=dict)
    listed: dict[str, bool] = field(default_factory=dict)  # id → found in the directory
    handsets: dict[str, int] = field(default_factory=dict)  # phone → messages received
    sent: dict[str, int] = field(default_factory=dict)  # province → its box "sent"
    endorsed: int = 0


@dataclass
class Verdict:
    name: str
    ok: bool
    detail: str


def recount(simulation: Simulation) -> Recount:
    counted = [t for t in simulation.tracked.values() if t.counted]
    totals = {
        "activities": len(counted),
        "info_completed": sum(t.info_completed for t in counted),
        "science_workers": sum(len(t.plan.workers) for t in counted),
        "checkins": sum(t.check_ins for t in counted),
        "feedback": sum(t.feedback for t in counted),
    }
    thank_yous: Counter[str] = Counter()
    for tracked in simulation.tracked.values():
        for worker in tracked.plan.workers:
            thank_yous[worker.phone] += int(tracked.counted and tracked.info_completed)
    scale = simulation.season.scale
    return Recount(
        totals=totals,
        provinces=dict(Counter(t.plan.county.code[:2] for t in counted)),
        public=[t.activity_id for t in counted if t.review == "approved" and t.activity_id],
        hidden=[t.activity_id for t in simulation.tracked.values() if t.activity_id and not t.counted]
        + [t.activity_id for t in counted if t.review == "rejected" and t.activity_id],
        thank_yous=dict(thank_yous),
        province_quota=scale.province_quota,
        national_quota=scale.national_quota,
        recommended=dict(simulation.counts.recommended),
        endorsed=simulation.counts.endorsed,
    )


def compare(expected: Recount, observed: Observed, stats: dict[str, EndpointStats]) -> list[Verdict]:
    """Every invariant's verdict; the detail names what differs."""
    verdicts = []
    wrong = {
        k: (expected.totals[k], observed.totals.get(k)) for k in FIGURES if expected.totals[k] != observed.totals.get(k)
    }
    verdicts.append(Verdict("analytics-totals", not wrong, _diff(wrong) or f"{expected.totals}"))
    keys = set(expected.provinces) | set(observed.provinces)
    wrong = {k: (expected.provinces.get(k, 0), observed.provinces.get(k, 0)) for k in sorted(keys)}
    wrong = {k: v for k, v in wrong.items() if v[0] != v[1]}
    verdicts.append(Verdict("analytics-per-province", not wrong, _diff(wrong) or f"{len(keys)} provinces agree"))
    missing = [i for i in expected.public if not observed.listed.get(i, False)]
    shown = [i for i in expected.hidden if observed.listed.get(i, True)]
    detail = (
        f"{len(missing)} accepted and approved not listed, {len(shown)} withdrawn/rejected listed"
        if missing or shown
        else ""
    )
    verdicts.append(
        Verdict(
            "directory-visibility",
            not (missing or shown),
            detail or f"{len(expected.public)} listed, {len(expected.hidden)} hidden",
        )
    )
    wrong = {
        p: (n, observed.handsets.get(p, 0)) for p, n in expected.thank_yous.items() if observed.handsets.get(p, 0) != n
    }
    detail = (
        f"{len(wrong)} phones differ (expected, received), e.g. {_diff(dict(list(wrong.items())[:3]))}" if wrong else ""
    )
    due = sum(expected.thank_yous.values())
    verdicts.append(Verdict("thank-you-once", not wrong, detail or f"{due} thank-yous, each phone exactly as due"))
    over = {p: n for p, n in observed.sent.items() if n > expected.province_quota}
    agree = {
        p: (expected.recommended.get(p, 0), n) for p, n in observed.sent.items() if expected.recommended.get(p, 0) != n
    }
    detail = ""
    if over or observed.endorsed > expected.national_quota:
        detail = f"over quota: provinces {over}, national endorsed {observed.endorsed} > {expected.national_quota}"
    elif agree or observed.endorsed != expected.endorsed:
        detail = f"lists differ from accepted calls: {_diff(agree)} endorsed {expected.endorsed}→{observed.endorsed}"
    sent = sum(observed.sent.values())
    verdicts.append(
        Verdict(
            "recommendation-quotas", not detail, detail or f"{sent} sent, {observed.endorsed} endorsed, within quotas"
        )
    )
    errors = {
        name: n
        for name, s in stats.items()
        if (n := sum(c for k, c in s.statuses.items() if k.startswith("5") or not k.isdigit()))
    }
    verdicts.append(Verdict("no-5xx", not errors, _diff(errors) or "no 5xx and no failed connection"))
    return verdicts


def _diff(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in values.items())


async def observe(
    client: httpx.AsyncClient, urls: dict[str, str], simulation: Simulation, expected: Recount
) -> Observed:
    campaign = simulation.season.campaign_id
    observed = Observed()
    answer = await client.get(
        f"{urls['analytics']}/api/v1/stats/activities", params={"campaign": campaign, "by": "province"}
    )
    if answer.status_code == 200:
        body = answer.json()
        observed.totals = {k: int(body["totals"][k]) for k in FIGURES}
        observed.provinces = {g["key"]: int(g["activities"]) for g in body["groups"] if g["key"]}
    listing = await _directory_listing(client, urls["registration"], campaign)
    observed.listed = {i: i in listing for i in expected.public + expected.hidden}
    received = (await client.get(f"{urls['sms']}/v1/handsets", params={"counts": "true"})).json()["received"]
    observed.handsets = {phone: int(received.get(phone, 0)) for phone in expected.thank_yous}
    for province in simulation.season.provinces:
        headers = simulation.staff[f"province:{province}"]
        params: dict[str, str | int] = {"campaign": campaign, "box": "sent", "kind": "activity", "limit": 1}
        answer = await client.get(f"{urls['review']}/api/v1/recommendations", params=params, headers=headers)
        observed.sent[province] = int(answer.json()["counts"]["sent"]) if answer.status_code == 200 else -1
    params = {"campaign": campaign, "box": "endorsed", "kind": "activity", "limit": 1}
    answer = await client.get(
        f"{urls['review']}/api/v1/recommendations", params=params, headers=simulation.staff["national"]
    )
    observed.endorsed = int(answer.json()["counts"]["endorsed"]) if answer.status_code == 200 else -1
    return observed


async def _directory_listing(client: httpx.AsyncClient, registration: str, campaign: str) -> set[str]:
    """Every activity the public directory lists for ``campaign``, page by page (as a visitor would)."""
    listed: set[str] = set()
    params: dict[str, str | int] = {"campaign": campaign, "limit": 100}
    while True:
        answer = await client.get(f"{registration}/api/v1/directory/activities", params=params)
        answer.raise_for_status()
        body = answer.json()
        listed.update(item["id"] for item in body["items"])
        if not body.get("next_cursor"):
            return listed
        params["cursor"] = body["next_cursor"]


async def check(
    urls: dict[str, str], simulation: Simulation, expected: Recount, within: float = 90.0
) -> tuple[list[Verdict], Observed]:
    """Observe and compare until every invariant holds or ``within`` seconds have passed."""
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=120) as client:
        while True:
            try:
                observed = await observe(client, urls, simulation, expected)
                verdicts = compare(expected, observed, simulation.driver.stats)
            except (httpx.HTTPError, ValueError, KeyError) as exc:  # a service too busy to answer: look again
                observed = Observed()
                verdicts = [Verdict("observable", False, f"the APIs could not be read: {exc!r}")]
            if all(v.ok for v in verdicts if v.name not in FINAL) or time.monotonic() > deadline:
                return verdicts, observed
            await asyncio.sleep(2)
