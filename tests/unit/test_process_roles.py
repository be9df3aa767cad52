"""Process roles (docs/architecture.md): what each role of a service starts and serves, how the
command line and the settings choose it, and how ``kepuri up`` splits a service into its roles."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from cli.up import addresses
from harness.platform import BACKGROUND, Platform, process_environments
from services.analytics.settings import AnalyticsSettings
from services.notification.settings import NotificationSettings
from services.registration.adapters.tables import metadata
from services.registration.bootstrap import MIGRATIONS
from services.registration.bootstrap import build as build_registration
from services.registration.bootstrap import create_app as registration_app
from services.registration.settings import RegistrationSettings
from services.review.settings import ReviewSettings
from shared.runtime import Backbone, create_service_app
from shared.runtime.serve import arguments, main, uvicorn_options


@pytest.fixture(autouse=True)
def no_outer_role(monkeypatch: pytest.MonkeyPatch) -> None:
    """No KEPURI_ROLE or KEPURI_WORKERS from outside, and whatever a test's ``main`` sets is undone."""
    monkeypatch.setenv("KEPURI_ROLE", "all")
    monkeypatch.setenv("KEPURI_WORKERS", "1")


def test_a_service_runs_every_role_in_one_process_unless_told_otherwise(tmp_path: Path) -> None:
    settings = RegistrationSettings(data_dir=tmp_path)
    assert (settings.role, settings.workers, settings.listen_port) == ("all", 1, 8001)


@pytest.mark.parametrize(
    ("settings_type", "port"),
    [(RegistrationSettings, 8101), (ReviewSettings, 8102), (NotificationSettings, 8103), (AnalyticsSettings, 8104)],
)
def test_each_service_has_its_background_port(settings_type: type[RegistrationSettings], port: int) -> None:
    settings = settings_type(role="background")
    assert settings.background_port == port
    assert settings.listen_port == port
    assert uvicorn_options(settings)["port"] == port


def test_the_background_port_is_the_services_own_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEPURI_REVIEW_BACKGROUND_PORT", "9202")
    assert ReviewSettings().background_port == 9202
    assert RegistrationSettings().background_port == 8101


def test_only_the_api_role_runs_several_workers() -> None:
    assert RegistrationSettings(role="api", workers=4).workers == 4
    for role in ("all", "background"):  # several relays of one SQLite outbox would publish twice
        with pytest.raises(ValidationError, match="KEPURI_ROLE=api"):
            RegistrationSettings(role=role, workers=2)
    with pytest.raises(ValidationError):
        RegistrationSettings(role="api", workers=0)


def test_the_command_line_sets_the_role_and_workers_for_every_worker_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert arguments([]).role is None
    given = arguments(["--role", "api", "--workers", "3"])
    assert (given.role, given.workers) == ("api", 3)
    with pytest.raises(SystemExit):
        arguments(["--role", "everything"])
    with pytest.raises(ValidationError, match="KEPURI_ROLE=api"):  # refused before anything is served
        main(RegistrationSettings, FastAPI, ["--workers", "2"])
    assert os.environ["KEPURI_WORKERS"] == "2"  # the flags become the environment every worker reads
    with pytest.raises(ValidationError, match="KEPURI_ROLE=api"):
        main(RegistrationSettings, FastAPI, ["--role", "background"])  # with the workers of the environment


async def test_the_background_role_serves_health_readiness_and_metrics_only(tmp_path: Path) -> None:
    app = registration_app(build_registration(RegistrationSettings(data_dir=tmp_path, role="background")))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kepuri") as client:
        assert (await client.get("/healthz")).status_code == 200  # no lifespan: the routes only
        assert (await client.get("/metrics")).status_code == 200
        for path in ("/api/v1/directory/activities", "/api/v1/campaigns", "/openapi.json", "/docs"):
            assert (await client.get(path)).status_code == 404, path
    full = registration_app(build_registration(RegistrationSettings(data_dir=tmp_path)))
    assert "/api/v1/activities" in full.openapi()["paths"]


@pytest.mark.parametrize(
    ("role", "checks"), [("all", {"database", "bus"}), ("api", {"database"}), ("background", {"database", "bus"})]
)
def test_each_role_is_ready_when_what_it_uses_answers(tmp_path: Path, role: str, checks: set[str]) -> None:
    backbone = Backbone(RegistrationSettings(data_dir=tmp_path, role=role), metadata, MIGRATIONS)  # type: ignore[arg-type]
    assert set(backbone.checks()) == checks


class Recorded:
    """A worker that notes when it runs."""

    def __init__(self) -> None:
        self.running = False

    async def start(self) -> None:
        self.running = True

    async def stop(self) -> None:
        self.running = False


@pytest.mark.parametrize(
    ("role", "everywhere", "background", "relay"),
    [("all", True, True, True), ("api", True, False, False), ("background", True, True, True)],
)
async def test_a_role_starts_only_its_own_work(
    tmp_path: Path, role: str, everywhere: bool, background: bool, relay: bool
) -> None:
    settings = RegistrationSettings(data_dir=tmp_path, role=role)  # type: ignore[arg-type]
    backbone = Backbone(settings, metadata, MIGRATIONS)
    vault, dispatcher = Recorded(), Recorded()
    app = create_service_app(
        backbone=backbone,
        container=object(),
        title="t",
        description="d",
        routers=[],
        workers=[vault],
        background=[dispatcher],
    )
    async with app.router.lifespan_context(app):
        assert (vault.running, dispatcher.running) == (everywhere, background)
        names = {task.get_name() for task in backbone._tasks}
        assert (f"{settings.service}-bus" in names) is relay  # the bus, then the relay and consumers
    assert not vault.running and not dispatcher.running


def test_up_with_several_workers_runs_each_service_as_an_api_and_a_background_process() -> None:
    env = {"KEPURI_DATA_DIR": "/data", "KEPURI_REGISTRATION_BACKGROUND_PORT": "9101"}
    ports = [("registration", 8001), ("review", 8002), ("notification", 8003), ("analytics", 8004)]
    split = process_environments(env, ports, "127.0.0.1", workers=3)
    for name, _port in ports:
        assert (split[name]["KEPURI_ROLE"], split[name]["KEPURI_WORKERS"]) == ("api", "3")
        assert split[f"{name}{BACKGROUND}"]["KEPURI_ROLE"] == "background"
    # the dashboard's consumer figures come from the background processes, where the consumers run
    peers = split["analytics"]["KEPURI_ANALYTICS_PEERS_METRICS"].split(",")
    assert peers[0] == "http://127.0.0.1:9101/metrics" and "http://127.0.0.1:8104/metrics" in peers
    single = process_environments(env, ports, "127.0.0.1")
    assert not any(name.endswith(BACKGROUND) for name in single)
    assert {single[name]["KEPURI_ROLE"] for name, _port in ports} == {"all"}


def test_the_simulations_platform_keeps_one_process_per_service_unless_given_workers(tmp_path: Path) -> None:
    assert not any(name.endswith(BACKGROUND) for name in Platform(tmp_path).environments)
    platform = Platform(tmp_path, workers=2)
    for name in ("registration", "review", "notification", "analytics"):
        background = platform.environments[f"{name}{BACKGROUND}"]
        assert background["KEPURI_ROLE"] == "background"
        assert background[f"KEPURI_{name.upper()}_BACKGROUND_PORT"] == str(platform.ports[f"{name}{BACKGROUND}"])
        assert platform.environments[name]["KEPURI_WORKERS"] == "2"
    assert len(set(platform.ports.values())) == len(platform.ports)  # every process on a port of its own


def test_up_prints_each_roles_address() -> None:
    lines = addresses([("registration", 8001), ("registration-background", 8101)], "127.0.0.1", docs=True)
    assert lines[0].split()[:2] == ["registration", "http://127.0.0.1:8001"] and "/docs" in lines[0]
    assert lines[1].split()[:2] == ["registration-background", "http://127.0.0.1:8101"]
    assert "/docs" not in lines[1] and "http://127.0.0.1:8101/readyz" in lines[1]  # health and metrics only
