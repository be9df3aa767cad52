"""The operations dashboard in a real browser: Debian's headless Chromium, driven by Selenium through
Debian's chromedriver (no driver download), against the analytics app served by uvicorn.

Registrations go through the real projections; the page must ask for a staff token (refusing an
organizer's with the server's reason, keeping the token out of every storage), then load without a
JavaScript error, show the figures ``GET /api/v1/stats/dashboard`` gives, draw the map and the charts,
and follow a new registration through the event stream within seconds.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from services.analytics.adapters.tables import notification_counts
from services.analytics.operations_dashboard.geo import province_names

from .test_dashboard_support import (
    CAMPAIGN,
    TOKENS,
    analytics_app,
    bearer,
    completed,
    configured,
    feed,
    insert_rows,
    registered,
    serving,
)

CHARTS = ("chart-map", "chart-registrations", "chart-provinces", "chart-categories")


def shown(counters: dict[str, Any], recommendations: dict[str, int]) -> dict[str, str]:
    """What each counter element must read, formatted as the page formats the snapshot's figures."""
    rating = counters["average_rating"]
    texts = {
        "total-activities": f"{counters['activities']:,}",
        "info-completed": f"{counters['info_completed']:,}",
        "completion-rate": f"{counters['completion_rate'] * 100:.1f}%",
        "science-workers": f"{counters['science_workers']:,}",
        "checkins": f"{counters['checkins']:,}",
        "feedback": f"{counters['feedback']:,}",
        "average-rating": "—" if rating is None else f"{rating:.2f}",
        "notifications-sent": f"{counters['notifications_sent']:,}",
        "notifications-failed": f"{counters['notifications_failed']:,}",
    }
    return texts | {f"recommended-{level}": f"{n:,}" for level, n in recommendations.items()}


def texts(driver: webdriver.Chrome, ids: list[str]) -> dict[str, str]:
    return {i: driver.find_element(By.ID, i).text for i in ids}


def wait_for_text(driver: webdriver.Chrome, element_id: str, text: str, timeout_s: float = 10) -> None:
    WebDriverWait(driver, timeout_s, poll_frequency=0.1).until(
        lambda d: d.find_element(By.ID, element_id).text == text,
        f"#{element_id} never read {text!r}",
    )


def severe(driver: webdriver.Chrome) -> list[dict[str, Any]]:
    """Errors in the browser's console, but the one the organizer's refused token (403) logs."""
    entries = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    return [entry for entry in entries if "status of 403" not in entry["message"]]


def sign_in(driver: webdriver.Chrome, token: str) -> None:
    WebDriverWait(driver, 10, poll_frequency=0.1).until(
        lambda d: d.find_element(By.ID, "sign-in").is_displayed(), "the page never asked for a token"
    )
    field = driver.find_element(By.ID, "token")
    field.send_keys(token)
    driver.find_element(By.ID, "sign-in-submit").click()


STORED = """
return JSON.stringify({local: Object.assign({}, localStorage), session: Object.assign({}, sessionStorage),
                       cookie: document.cookie, state: Object.values(window.kepuriDashboard).filter(v => typeof v === 'string'), field: document.getElementById('token').value});
"""


RENDERED = """
const ids = arguments[0];
const charts = {};
for (const id of ids) {
  const el = document.getElementById(id);
  const chart = echarts.getInstanceByDom(el);
  charts[id] = {instance: !!chart, canvas: !!el.querySelector('canvas'),
                data: chart ? chart.getOption().series[0].data.length : 0};
}
const map = echarts.getInstanceByDom(document.getElementById('chart-map')).getOption();
return {charts, registered: !!echarts.getMap('china-provinces'),
        mapData: map.series[0].data, visualMax: map.visualMap[0].max,
        updates: window.kepuriDashboard.updates,
        operations: document.querySelectorAll('#operations tbody tr[data-group]').length};
"""


async def test_dashboard_page_shows_the_snapshot_and_follows_the_stream(
    tmp_path: Path, browser: webdriver.Chrome
) -> None:
    app = analytics_app(tmp_path)
    async with serving(app) as served, httpx.AsyncClient(base_url=served.url, timeout=10) as client:
        await feed(app, configured())
        activities = [registered("610502", science_worker_count=3) for _ in range(4)]
        activities += [registered("610103", category="科技展览"), registered("110101", category="科技展览")]
        activities += [registered("440106", category="科普讲座"), registered("650102", category=None)]
        await feed(app, *activities)
        await feed(app, *(completed(e.subject) for e in activities[:3]))
        await insert_rows(
            app,
            notification_counts,
            [
                {"campaign": CAMPAIGN, "kind": "thank-you", "channel": "sms", "outcome": "sent", "messages": 1234},
                {"campaign": CAMPAIGN, "kind": "thank-you", "channel": "sms", "outcome": "failed", "messages": 5},
            ],
        )

        url = f"{served.url}/dashboard?campaign={CAMPAIGN}"
        await asyncio.to_thread(browser.get, url)
        # nothing is fetched without a token: the page asks for one once its map is loaded
        await asyncio.to_thread(wait_for_text, browser, "connection", "需要登录")
        await asyncio.to_thread(sign_in, browser, TOKENS["organizer"])
        await asyncio.to_thread(
            WebDriverWait(browser, 10, poll_frequency=0.1).until,
            lambda d: "reviewer or admin" in d.find_element(By.ID, "sign-in-error").text,
            "an organizer's token was not refused with the server's reason",
        )
        assert browser.find_element(By.ID, "total-activities").text == "—"
        await asyncio.to_thread(sign_in, browser, TOKENS["admin"])
        await asyncio.to_thread(wait_for_text, browser, "total-activities", "8")
        assert not browser.find_element(By.ID, "sign-in").is_displayed()
        stored = await asyncio.to_thread(browser.execute_script, STORED)
        assert TOKENS["admin"] not in stored and TOKENS["organizer"] not in stored, stored
        snapshot = (await client.get("/api/v1/stats/dashboard", params={"campaign": CAMPAIGN}, headers=bearer())).json()
        expected = shown(snapshot["counters"], snapshot["recommendations"])
        assert snapshot["counters"]["activities"] == 8 and snapshot["counters"]["info_completed"] == 3
        assert expected["notifications-sent"] == "1,234" and expected["completion-rate"] == "37.5%"
        assert await asyncio.to_thread(texts, browser, list(expected)) == expected
        assert browser.find_element(By.ID, "campaign").text == CAMPAIGN
        assert browser.title == "全国科普日 · 运行监测"

        rendered = await asyncio.to_thread(browser.execute_script, RENDERED, list(CHARTS))
        assert all(c["instance"] and c["canvas"] for c in rendered["charts"].values()), rendered["charts"]
        assert rendered["registered"]
        assert rendered["charts"]["chart-provinces"]["data"] == 4  # 陕西, 北京, 广东, 新疆
        assert rendered["charts"]["chart-categories"]["data"] == 2
        values = {d["name"]: d["value"] for d in rendered["mapData"]}
        assert set(values) == set(province_names().values())  # every region of the map, by its GB/T 2260 name
        assert (values["陕西省"], values["北京市"], values["广东省"], values["新疆维吾尔自治区"]) == (5, 1, 1, 1)
        assert rendered["visualMax"] == 5
        assert rendered["operations"] >= 1  # analytics' own consumer groups, from its metrics

        await feed(app, registered("610502"))
        await asyncio.to_thread(wait_for_text, browser, "total-activities", "9", 8)
        await asyncio.to_thread(wait_for_text, browser, "completion-rate", "33.3%", 2)
        assert browser.find_element(By.ID, "connection").text == "实时连接"
        updates = await asyncio.to_thread(browser.execute_script, "return window.kepuriDashboard.updates")
        assert updates >= 2

        errors = await asyncio.to_thread(severe, browser)
        assert errors == [], errors
        await asyncio.to_thread(browser.get, "about:blank")  # the page's stream closes with it
        assert await served.stop() < 5
