"""Settings: development works with defaults under the data directory; production refuses them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from services.analytics.settings import AnalyticsSettings
from services.registration.settings import RegistrationSettings


def test_development_defaults_live_under_the_data_directory(tmp_path: Path) -> None:
    settings = RegistrationSettings(data_dir=tmp_path)
    assert settings.port == 8001
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'registration.db'}"
    assert settings.bus_url == f"embedded:{tmp_path / 'bus.db'}"
    assert settings.jwt_private_key_file == tmp_path / "keys" / "registration-ed25519.pem"
    assert AnalyticsSettings(data_dir=tmp_path).port == 8004


def test_a_service_reads_its_own_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEPURI_ANALYTICS_PORT", "9104")
    monkeypatch.setenv("KEPURI_ANALYTICS_DATABASE_URL", "postgresql+asyncpg://db/analytics")
    monkeypatch.setenv("KEPURI_BUS_URL", "kafka://kafka:9092")
    settings = AnalyticsSettings()
    assert (settings.port, settings.database_url, settings.bus_url) == (
        9104,
        "postgresql+asyncpg://db/analytics",
        "kafka://kafka:9092",
    )
    assert RegistrationSettings().port == 8001  # another service's variable is not this one's


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({}, "DATABASE_URL"),
        ({"database_url": "postgresql+asyncpg://db/r"}, "BUS_URL"),
        ({"database_url": "postgresql+asyncpg://db/r", "bus_url": "kafka://k:9092"}, "KEY_VAULT_URL"),
        (
            {
                "database_url": "postgresql+asyncpg://db/r",
                "bus_url": "kafka://k:9092",
                "key_vault_url": "postgresql+asyncpg://db/k",
            },
            "JWT_PRIVATE_KEY_FILE",
        ),
    ],
)
def test_production_refuses_development_defaults(given: dict[str, str], missing: str) -> None:
    with pytest.raises(ValidationError, match=missing):
        RegistrationSettings(environment="production", **given)  # type: ignore[arg-type]


def test_the_password_hash_cost_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEPURI_REGISTRATION_PASSWORD_HASH_TIME_COST", "1")
    monkeypatch.setenv("KEPURI_REGISTRATION_PASSWORD_HASH_MEMORY_KIB", "8192")
    monkeypatch.setenv("KEPURI_REGISTRATION_PASSWORD_HASH_PARALLELISM", "1")
    settings = RegistrationSettings()
    assert (settings.password_hash_time_cost, settings.password_hash_memory_kib) == (1, 8192)
    assert settings.password_hash_parallelism == 1


@pytest.mark.parametrize(("field", "value"), [("password_hash_memory_kib", 8192), ("password_hash_time_cost", 1)])
def test_production_refuses_a_password_hash_below_the_owasp_minimum(tmp_path: Path, field: str, value: int) -> None:
    key = tmp_path / "key.pem"
    given = {
        "database_url": "postgresql+asyncpg://db/r",
        "bus_url": "kafka://k:9092",
        "key_vault_url": "postgresql+asyncpg://db/k",
        "jwt_private_key_file": key,
    }
    RegistrationSettings(environment="production", **given)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="OWASP"):
        RegistrationSettings(environment="production", **given, **{field: value})  # type: ignore[arg-type]
