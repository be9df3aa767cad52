"""The journeys' platform and browser, started once for the whole module.

``site`` builds web/dist (``cli.site.build_site``: only when a source changed), starts
``kepuri up`` as an OS process on free ports (the four services, the SMS stand-in and Caddy in front,
as a person starts it), loads the campaigns of the notices (``kepuri seed``) and creates the staff of
``STAFF`` (``kepuri staff create``). ``browser`` is Debian's Chromium driven by Playwright.
``journey("phone" | "desktop")`` opens a fresh page on the one origin whose steps are screenshotted
to build/journeys/<test>/ and checked (see site_support.Journey). ``api`` is the public API through
the same origin.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from cli.site import build_site
from harness.kepuri_up import ROOT, RunningUp, kepuri_up

from .site_support import ARTEFACTS, CHROMIUM, CHROMIUM_FLAGS, STAFF_PASSWORD, Api, Journey, new_journey

# login -> (role, options of `kepuri staff create`): an admin, and a county and its city's reviewers
STAFF: dict[str, tuple[str, tuple[str, ...]]] = {
    "ops": ("admin", ()),
    "linwei": ("reviewer", ("--level", "county", "--jurisdiction", "610502")),
    "weinan-city": ("reviewer", ("--level", "city", "--jurisdiction", "6105")),
}


@dataclass
class Site:
    """The running platform: ``origin`` is the one URL (Caddy), ``up`` the ``kepuri up`` behind it."""

    up: RunningUp

    @property
    def origin(self) -> str:
        return self.up.site


def operators(up: RunningUp, *commands: tuple[str, ...]) -> None:
    """``kepuri <command>`` for each of ``commands`` as an operator runs them beside the running
    platform (same environment), all at once: each is a Python process that mostly starts up."""
    env = {**up.env, "KEPURI_STAFF_PASSWORD": STAFF_PASSWORD}
    running = [
        (
            command,
            subprocess.Popen(
                [sys.executable, "-m", "cli", *command],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            ),
        )
        for command in commands
    ]
    for command, process in running:
        output, _ = process.communicate(timeout=180)
        assert process.returncode == 0, f"kepuri {' '.join(command)}:\n{output.decode()}"


@pytest.fixture(scope="session")
def site(web_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    build_site(web_root)  # here, not inside `up`, so a failing build shows in the test's output
    data = tmp_path_factory.mktemp("journeys")
    # the journeys sign up many units from one address; journey 4's thank-you SMS go out at once,
    # whatever the hour (quiet hours would hold them until 08:00 China time)
    settings = {"KEPURI_REGISTRATION_SIGN_UPS_PER_ADDRESS": "1000", "KEPURI_NOTIFICATION_QUIET_HOURS": ""}
    with kepuri_up(data / "data", settings=settings, log_dir=data) as up:
        where = ("--data-dir", str(data / "data"))
        operators(
            up,
            ("seed", *where),
            *(
                ("staff", "create", *where, "--role", role, "--login", login, *options)
                for login, (role, options) in STAFF.items()
            ),
        )
        yield Site(up)


@pytest.fixture(scope="session")
def api(site: Site) -> Iterator[Api]:
    client = Api(site.origin)
    yield client
    client.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def journey(site: Site, browser: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[[str], Journey]]:
    """``journey("phone")`` / ``journey("desktop")``: a fresh page (own context) on the one origin;
    call it again for a second person in the same test. Screenshots go to build/journeys/<test>/
    (<test>-2/ for the second page, and so on)."""
    opened: list[Journey] = []
    name = request.node.name.replace("[", "-").replace("]", "").replace("/", "-")

    def open_page(viewport: str = "phone") -> Journey:
        folder = ARTEFACTS / (name if not opened else f"{name}-{len(opened) + 1}")
        opened.append(new_journey(browser, site.origin, folder, viewport))
        return opened[-1]

    yield open_page
    for journey in opened:
        journey.page.context.close()
