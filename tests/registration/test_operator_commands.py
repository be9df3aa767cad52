"""``kepuri seed`` and ``kepuri staff create|disable|enable``, run as an operator runs them: a process on a
data directory."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from cli import main
from cli.staff import PASSWORD_VARIABLE, Refused, read_password
from services.registration.bootstrap import build as build_registration
from services.registration.bootstrap import create_app
from services.registration.settings import RegistrationSettings
from tests.factories import PASSWORD

Kepuri = Callable[..., subprocess.CompletedProcess[str]]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def kepuri(tmp_path: Path) -> Kepuri:
    """Run ``python -m cli ARGS --data-dir <tmp>`` with no terminal, ``KEPURI_*`` cleared."""
    data_dir = tmp_path / "data"
    base = {k: v for k, v in os.environ.items() if not k.startswith("KEPURI_")}
    # the code under test, not whatever checkout the virtualenv's editable install points at
    base["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), base.get("PYTHONPATH")]))

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cli", *args, "--data-dir", str(data_dir)],
            env={**base, **(env or {})},
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            start_new_session=True,  # no controlling terminal: getpass cannot prompt
        )

    return run


def rows(database: Path, query: str) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(database)) as connection:
        return connection.execute(query).fetchall()


def test_seed_configures_the_five_campaigns_once_and_publishes_their_events(kepuri: Kepuri, tmp_path: Path) -> None:
    first = kepuri("seed")
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()[1:]
    assert [line.split()[:2] for line in lines] == [
        ["2022-national", "created"],
        ["2020-national", "created"],
        ["2022-weinan", "created"],
        ["2023-national", "created"],
        ["2024-national", "created"],
    ]
    database = tmp_path / "data" / "registration.db"
    published = rows(database, "SELECT topic, published_at IS NOT NULL FROM outbox")
    assert published == [("kepuri.campaigns.v1", 1)] * 5  # the bus answered: the relay published them

    again = kepuri("seed")
    assert again.returncode == 0, again.stderr
    assert [line.split()[1] for line in again.stdout.splitlines()[1:]] == ["unchanged"] * 5
    assert rows(database, "SELECT count(*) FROM events WHERE type = 'campaign-configured'") == [(5,)]


def test_seed_without_a_bus_leaves_the_events_in_the_outbox(kepuri: Kepuri, tmp_path: Path) -> None:
    result = kepuri("seed", env={"KEPURI_BUS_URL": "kafka://127.0.0.1:9"})
    assert result.returncode == 0, result.stderr
    assert "wait in the outbox" in result.stdout
    database = tmp_path / "data" / "registration.db"
    assert rows(database, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == [(5,)]


async def test_staff_create_makes_an_account_that_logs_in(kepuri: Kepuri, tmp_path: Path) -> None:
    password = {PASSWORD_VARIABLE: PASSWORD}
    reviewer = ["--role", "reviewer", "--login", "weinan-city", "--level", "city", "--jurisdiction", "6105"]
    created = await asyncio.to_thread(kepuri, "staff", "create", *reviewer, env=password)
    assert created.returncode == 0, created.stderr
    assert "reviewer 'weinan-city' created (city, 6105)" in created.stdout
    assert PASSWORD not in created.stdout + created.stderr

    again = await asyncio.to_thread(
        kepuri, "staff", "create", "--role", "admin", "--login", "weinan-city", env=password
    )
    assert again.returncode == 1 and "exists" in again.stderr

    async with _service(tmp_path / "data") as client:
        token = await client.post("/api/v1/auth/token", json={"login": "weinan-city", "password": PASSWORD})
        assert token.status_code == 200, token.text


async def test_staff_disable_and_enable_an_account_by_its_login(kepuri: Kepuri, tmp_path: Path) -> None:
    password = {PASSWORD_VARIABLE: PASSWORD}
    created = await asyncio.to_thread(
        kepuri, "staff", "create", "--role", "admin", "--login", "ops-admin", env=password
    )
    assert created.returncode == 0, created.stderr
    async with _service(tmp_path / "data") as client:
        login = {"login": "ops-admin", "password": PASSWORD}
        token = (await client.post("/api/v1/auth/token", json=login)).json()["access_token"]

    disabled = await asyncio.to_thread(kepuri, "staff", "disable", "--login", "ops-admin")
    assert disabled.returncode == 0 and "disabled" in disabled.stdout, disabled.stderr
    async with _service(tmp_path / "data") as client:
        refused = await client.get(
            "/api/v1/accounts", params={"login": "x"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
        assert (await client.post("/api/v1/auth/token", json=login)).status_code == 403
    database = tmp_path / "data" / "registration.db"
    assert rows(database, "SELECT type FROM events WHERE type LIKE 'account-%' ORDER BY version") == [
        ("account-created",),
        ("account-disabled",),
    ]

    enabled = await asyncio.to_thread(kepuri, "staff", "enable", "--login", "ops-admin")
    assert enabled.returncode == 0, enabled.stderr
    async with _service(tmp_path / "data") as client:
        assert (await client.post("/api/v1/auth/token", json=login)).status_code == 200
    unknown = await asyncio.to_thread(kepuri, "staff", "disable", "--login", "nobody")
    assert unknown.returncode == 1 and "no account" in unknown.stderr


@pytest.mark.parametrize(
    ("login", "args", "complaint"),
    [
        ("wn-linwei", ["--role", "reviewer", "--level", "city", "--jurisdiction", "610502"], "jurisdiction"),
        ("shaanxi", ["--role", "reviewer", "--level", "province"], "jurisdiction"),
        ("ops-admin", ["--role", "admin", "--level", "city"], "admins are national"),
        ("ops admin", ["--role", "admin"], "login"),
    ],
)
def test_staff_create_refuses_bad_input_before_asking_a_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], login: str, args: list[str], complaint: str
) -> None:
    status = main(["staff", "create", "--login", login, *args, "--data-dir", str(tmp_path / "data")])
    assert status == 2
    assert complaint in capsys.readouterr().err
    assert not (tmp_path / "data").exists()


def test_staff_create_without_a_password_is_refused(kepuri: Kepuri, tmp_path: Path) -> None:
    result = kepuri("staff", "create", "--role", "admin", "--login", "ops-admin")
    assert result.returncode == 2 and "no password given" in result.stderr
    assert not (tmp_path / "data" / "registration.db").exists()


def test_a_short_password_is_refused(kepuri: Kepuri) -> None:
    result = kepuri("staff", "create", "--role", "admin", "--login", "ops-admin", env={PASSWORD_VARIABLE: "short"})
    assert result.returncode == 2 and "(password)" in result.stderr


def test_the_password_is_asked_twice_unless_the_environment_gives_it() -> None:
    def answers(*given: str) -> Callable[[str], str]:
        remaining = list(given)
        return lambda _prompt: remaining.pop(0)

    assert read_password({}, answers(PASSWORD, PASSWORD)) == PASSWORD
    assert read_password({PASSWORD_VARIABLE: "from-the-env"}, answers()) == "from-the-env"
    with pytest.raises(Refused, match="differ"):
        read_password({}, answers(PASSWORD, PASSWORD + "x"))
    with pytest.raises(Refused, match="empty"):
        read_password({}, answers("", ""))


@contextlib.asynccontextmanager
async def _service(data_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    """Registration in this process on an operator's data directory."""
    app = create_app(build_registration(RegistrationSettings(data_dir=data_dir, environment="test")))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kepuri") as client:
            yield client
