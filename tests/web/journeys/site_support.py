"""What the journeys need besides the platform (conftest.py starts that): Debian's Chromium driven by
Playwright, a :class:`Journey` (one browser page at one viewport, whose every :meth:`Journey.step` is
screenshotted, checked by axe-core and checked for console errors and Content-Security-Policy
violations) and :class:`Api`, the platform's HTTP API through the one origin, for what a journey takes
as given before it starts (an organizer's account when the journey is not about signing up).

The browser is /usr/bin/chromium (Debian's package): no test tool may download a browser here, so
``playwright install`` is never run; Playwright only drives the browser it is pointed at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize, expect
from tenacity import RetryError, Retrying, retry_if_result, stop_after_delay, wait_fixed

from cli.site import PROJECT_ROOT
from harness.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# the two widths every page is made for: a phone (most of the public, often inside WeChat) and a desk
VIEWPORTS: dict[str, ViewportSize] = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1440, "height": 900}}
ARTEFACTS = PROJECT_ROOT / "build" / "journeys"
AXE_SOURCE = PROJECT_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
STAFF_PASSWORD = "kepuri-staff-2026"
ORGANIZER_PASSWORD = PASSWORD
T = TypeVar("T")
CHINA = ZoneInfo("Asia/Shanghai")


class JourneyError(AssertionError):
    """A step of a journey found something wrong: its message says which step, and what."""


def until(check: Callable[[], T | None], what: str, timeout: float = 20) -> T:
    """``check()``'s first truthy answer, asked every 0.2 s: what a journey takes as given reaches
    the other services through the streams, a moment after the API answered. ``what`` names it
    when it never comes."""
    retrying = Retrying(stop=stop_after_delay(timeout), wait=wait_fixed(0.2), retry=retry_if_result(lambda r: not r))
    try:
        answer = retrying(check)
    except RetryError:
        raise JourneyError(f"{what}: not within {timeout:g} s") from None
    assert answer
    return answer


@dataclass
class Journey:
    """One person's way through the site: a browser page at one viewport on the platform's one origin.

    ``step(name)`` after each thing the person does: it waits for the page to settle, saves
    ``build/journeys/<test>/<nn>-<name>.png``, runs axe-core (no serious or critical violation) and
    fails on any console error or Content-Security-Policy violation since the previous step. Expected
    console errors (a 401 a login form shows, say) are declared with :meth:`allow_console_error`."""

    page: Page
    origin: str
    folder: Path
    viewport: str
    console_errors: list[str] = field(default_factory=list)
    policy_violations: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}\n{error.stack or ''}"))
        # the page reports each violation of its policy (securitypolicyviolation) to this test
        self.page.expose_function("__kepuriPolicyViolation", lambda report: self.policy_violations.append(str(report)))
        self.page.add_init_script(
            "document.addEventListener('securitypolicyviolation', (e) => window.__kepuriPolicyViolation("
            "`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`))"
        )

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location.get("url", "")
            self.console_errors.append(f"{message.text} ({location})")

    # ----------------------------------------------------------------------------- what a person does

    def url(self, path: str) -> str:
        return f"{self.origin}{path}"

    def goto(self, path: str) -> None:
        """Open ``path`` of the site as if typed into the address bar."""
        self.page.goto(self.url(path), wait_until="networkidle")

    def log_in(self, login: str, password: str) -> None:
        """Fill the login form (the page must be /login) and submit it."""
        self.page.get_by_label("账号（手机号或登录名）").fill(login)
        self.page.get_by_label("密码", exact=True).fill(password)
        self.page.get_by_role("button", name="登录").click()

    def expect_path(self, path: str, timeout: float = 10_000) -> None:
        """The address bar shows ``path`` (and any query) of the one origin."""
        expect(self.page).to_have_url(re.compile(rf"^{re.escape(self.url(path))}(\?.*)?$"), timeout=timeout)

    def allow_console_error(self, pattern: str) -> None:
        """A console error matching ``pattern`` is expected from now on (e.g. a refused login's 401)."""
        self.allowed.append(re.compile(pattern))

    # ----------------------------------------------------------------------------------- each step

    def step(self, name: str, *, streaming: bool = False) -> Path:
        """Wait for the page to settle, screenshot it, run axe-core on it and fail on console errors
        or policy violations since the last step. Returns the screenshot's path. ``streaming``: the
        page holds a stream open (the operations dashboard), so the network never goes idle; the
        step waits for the page's load instead, after the assertions that say what it shows."""
        self.page.wait_for_load_state("load" if streaming else "networkidle")
        self.steps.append(name)
        shot = self.folder / f"{len(self.steps):02d}-{name}.png"
        self.page.screenshot(path=str(shot), full_page=True)
        where = f"step {name!r} of {self.folder.name} at {self.viewport} ({self.page.url})"
        errors = [e for e in self.console_errors if not any(p.search(e) for p in self.allowed)]
        self.console_errors.clear()
        if errors:
            raise JourneyError(f"{where}: console errors:\n" + "\n".join(errors))
        if self.policy_violations:
            violations, self.policy_violations[:] = list(self.policy_violations), []
            raise JourneyError(f"{where}: Content-Security-Policy violations:\n" + "\n".join(violations))
        settle_animations(self.page)
        problems = accessibility_violations(self.page)
        if problems:
            raise JourneyError(f"{where}: axe-core found serious or critical violations:\n" + "\n".join(problems))
        return shot


def settle_animations(page: Page) -> None:
    """Let the finite CSS animations and transitions running now end (an Element Plus tag fades in),
    so axe-core reads colours as the person sees them once still, not a half-transparent frame.
    Endless ones (a loading skeleton) are left alone; none is waited for longer than 2 s."""
    page.evaluate(
        "() => Promise.race([new Promise((done) => setTimeout(done, 2000)), Promise.all(document.getAnimations()"
        ".filter((a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity)"
        ".map((a) => a.finished.catch(() => null)))])"
    )


_axe_source: str | None = None


def accessibility_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on ``page`` as it is now, one line each.

    axe-core (web/node_modules, pinned in web/package.json) is evaluated through the DevTools
    protocol, which the page's strict policy does not govern: a <script> tag would be refused, and
    turning the policy off (``bypass_csp``) would hide the violations the journeys look for."""
    global _axe_source
    if _axe_source is None:
        _axe_source = AXE_SOURCE.read_text(encoding="utf-8")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        session = page.context.new_cdp_session(page)
        try:
            answer = session.send("Runtime.evaluate", {"expression": _axe_source})
        finally:
            session.detach()
        if "exceptionDetails" in answer:
            raise JourneyError(f"axe-core did not load: {answer['exceptionDetails']}")
    results: dict[str, Any] = page.evaluate(
        "() => axe.run(document, { resultTypes: ['violations'] })"
        ".then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,"
        " targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) })))"
        ".then((violations) => ({ violations }))"
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}): {', '.join(v['targets'])}"
        for v in results["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]


def new_journey(browser: Browser, origin: str, folder: Path, viewport: str) -> Journey:
    """A fresh browser context (no cookies, no storage) at ``viewport`` ("phone" or "desktop")."""
    size = VIEWPORTS[viewport]
    context = browser.new_context(
        viewport=size,
        device_scale_factor=1,
        is_mobile=viewport == "phone",
        has_touch=viewport == "phone",
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(10_000)
    return Journey(context.new_page(), origin, folder, viewport)


# ------------------------------------------------------------------------------------ the API


@dataclass
class Api:
    """The platform's public API through the one origin, for what a journey takes as given."""

    origin: str
    client: httpx.Client = field(init=False)
    _phones: int = field(default=0, init=False)
    _campaign: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.origin, timeout=30)

    def close(self) -> None:
        self.client.close()

    def token(self, login: str, password: str) -> str:
        answer = self.client.post("/api/v1/auth/token", json={"login": login, "password": password})
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])

    def headers(self, login: str, password: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(login, password)}"}

    def organizer(self, name: str = "渭南市科技馆", region_code: str = "610502") -> str:
        """Sign a unit up (as the sign-up page would) and return its login, the contact phone; the
        password is ``ORGANIZER_PASSWORD``."""
        self._phones += 1
        phone = f"1381234{self._phones:04d}"
        body = {
            "name": name,
            "unit_type": "museum",
            "region_code": region_code,
            "contact_name": "王建国",
            "contact_phone": phone,
            "password": ORGANIZER_PASSWORD,
        }
        answer = self.client.post("/api/v1/units", json=body)
        assert answer.status_code in (200, 201, 202), answer.text
        return phone

    def current_campaign(self) -> str:
        """The id of this year's 渭南 campaign, created once by the admin ``ops``: registration open
        today, the week around today, the county → city → province chain open, info completion
        until next year. The seeded campaigns of the notices all lie in the past."""
        if self._campaign is None:
            today = datetime.now(CHINA).date()
            body = {
                "id": f"{today.year}-weinan-journeys",
                "year": today.year,
                "title": f"{today.year}年渭南市全国科普日",
                "theme": "科普向未来",
                "week": {"starts_on": str(today.replace(day=1)), "ends_on": str(today.replace(month=12, day=31))},
                "registration": {
                    "opens_on": str(today.replace(day=1)),
                    "closes_on": str(today.replace(month=12, day=31)),
                },
                "info_completion_deadline": f"{today.year + 1}-01-31",
                "recommendation_deadline": f"{today.year + 1}-01-31",
                "summary_deadline": f"{today.year + 1}-01-31",
                "categories": ["系列联合行动", "“云上科普日”活动"],
                "themes": ["食品安全", "防灾避险", "低碳生活"],
                "target_groups": ["青少年", "老年人"],
                "indicators": ["组织动员", "数量规模"],
                "programmes": ["千馆展览探未来", "万场报告话前沿", "千万IP创科普"],
                "settings": {
                    "science_map": {"regional_map": True, "science_routes": True},
                    "region_code": "6105",
                    "thank_you_sms": True,
                    # activities are held this year or next (the journeys' run a month or so ahead)
                    "activity_period": {"starts_on": f"{today.year}-01-01", "ends_on": f"{today.year + 1}-12-31"},
                    "key_activity_plan_deadline": f"{today.year + 1}-01-31",  # 附件1, collected by the city
                    # the city commends as well as the nation (市科协予以表扬)
                    "recommendation": {
                        "levels": ["county", "city"],
                        "forward_to": "province",
                        "commending": ["city", "national"],
                    },
                    "summary": {"reporters": ["county"]},
                },
            }
            headers = self.headers("ops", STAFF_PASSWORD)
            answer = self.client.post("/api/v1/campaigns", json=body, headers=headers)
            assert answer.status_code in (200, 201), answer.text
            self._campaign = str(body["id"])
        return self._campaign

    def get(self, path: str, **kwargs: Any) -> Any:
        answer = self.client.get(path, **kwargs)
        assert answer.status_code == 200, answer.text
        return json.loads(answer.text)
